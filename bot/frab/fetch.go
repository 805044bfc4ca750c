package frab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// MaxSchedule bounds a schedule file or response: FOSDEM's, the largest known,
// is under 2 MiB.
const MaxSchedule = 32 << 20

// Doer sends HTTP requests; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Fetch gets a schedule from u. Errors name the URL and, for an HTTP error,
// the status.
func Fetch(ctx context.Context, c Doer, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json, application/xml;q=0.9, */*;q=0.1")
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSchedule+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read: %w", u, err)
	}
	if len(data) > MaxSchedule {
		return nil, fmt.Errorf("GET %s: response larger than %d MiB", u, MaxSchedule>>20)
	}
	return data, nil
}
