// Package openreview reads a venue's accepted papers from OpenReview's public
// API (https://docs.openreview.net), in either of its two versions, and turns
// them into posters for posters.csv. It never imports the chat transports.
package openreview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"workshopbot/bot"
)

// The public API servers (docs.openreview.net: api.yml for v2, "api (2).yml" for v1).
const (
	BaseV1 = "https://api.openreview.net"
	BaseV2 = "https://api2.openreview.net"
	// Site is where papers' forum and PDF pages live.
	Site = "https://openreview.net"
)

// API versions, as --api accepts them.
const (
	APIAuto = "auto"
	APIV1   = "v1"
	APIV2   = "v2"
)

// MaxResponse bounds one API response; a page of 1000 notes with abstracts is a
// few megabytes.
const MaxResponse = 64 << 20

// Paper is one submission as the importer needs it.
type Paper struct {
	Number   int
	Forum    string // the forum id: the paper's page is Site/forum?id=Forum
	Title    string
	Authors  []string
	Abstract string
	PDF      string // as the API gives it: "/pdf/<sha1>.pdf" or a full URL
	Venue    string // the venue's display text, e.g. "DLDE 2021 Spotlight"
	VenueID  string // v2 (and some v1 venues): where the paper ended up
	Decision string // v1: the Decision reply's text, e.g. "Accept (Oral)"
	// Invitation is the v1 submission invitation (which says withdrawn or not).
	Invitation string
}

// ID is the paper's short stable id in posters.csv: its number, p12.
func (p Paper) ID() string { return "p" + strconv.Itoa(p.Number) }

// Accepted reports whether the paper was accepted to venue (the venue id). A
// paper is left out when withdrawn, desk-rejected or rejected, or, in v1, when
// it has a decision that is not an acceptance.
func (p Paper) Accepted(venue string) bool {
	for _, s := range []string{p.VenueID, p.Venue, p.Invitation} {
		l := strings.ToLower(s)
		if strings.Contains(l, "withdrawn") || strings.Contains(l, "reject") {
			return false
		}
	}
	if p.Decision != "" {
		return strings.Contains(strings.ToLower(p.Decision), "accept")
	}
	if p.VenueID != "" {
		return p.VenueID == venue
	}
	// A v1 note with no decision and no venue id: accepted only if its venue
	// text says so (older venues publish the decision only there).
	return strings.Contains(strings.ToLower(p.Venue), "accept") || p.Venue != "" && !strings.Contains(strings.ToLower(p.Venue), "submi")
}

// Format is how the paper is presented, from the decision or the venue text:
// "oral", "spotlight" or "poster"; "" when neither says.
func (p Paper) Format() string {
	for _, s := range []string{p.Decision, p.Venue} {
		l := strings.ToLower(s)
		for _, f := range []string{"oral", "spotlight", "poster"} {
			if strings.Contains(l, f) {
				return f
			}
		}
	}
	return ""
}

// Poster is the paper as a row of posters.csv, with no session yet.
func (p Paper) Poster() bot.Poster {
	pdf := p.PDF
	if strings.HasPrefix(pdf, "/") {
		pdf = Site + pdf
	}
	if pdf == "" && p.Forum != "" {
		pdf = Site + "/pdf?id=" + url.QueryEscape(p.Forum)
	}
	forum := ""
	if p.Forum != "" {
		forum = Site + "/forum?id=" + url.QueryEscape(p.Forum)
	}
	return bot.Poster{ID: p.ID(), Title: oneLine(p.Title), Authors: p.Authors, Abstract: strings.TrimSpace(p.Abstract),
		PDF: pdf, Forum: forum, Format: p.Format()}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Accepted keeps the accepted papers of venue, in number order as given.
func Accepted(papers []Paper, venue string) []Paper {
	var out []Paper
	for _, p := range papers {
		if p.Number > 0 && p.Accepted(venue) {
			out = append(out, p)
		}
	}
	return out
}

// note is a note of either version. Content values are raw: v2 wraps each as
// {"value": ...}, v1 gives it plain.
type note struct {
	ID          string                     `json:"id"`
	Number      int                        `json:"number"`
	Forum       string                     `json:"forum"`
	Invitation  string                     `json:"invitation"`  // v1
	Invitations []string                   `json:"invitations"` // v2
	Content     map[string]json.RawMessage `json:"content"`
	Details     *struct {
		Original      *note  `json:"original"`
		DirectReplies []note `json:"directReplies"`
	} `json:"details"`
	// Notes are the replies in the OpenReviewCrawler's saved files, which wrap v1 notes.
	Notes []note `json:"notes"`
}

// page is one /notes response: {"notes": [...], "count": n}.
type page struct {
	Notes []note `json:"notes"`
	Count *int   `json:"count"`
}

// Parse reads a saved API response (or several concatenated pages) of the given
// version; APIAuto tells them apart by their content fields. Besides the API's
// {"notes": [...]} it takes a bare array of notes (as the v1 OpenAPI file
// declares the response) and OpenReviewCrawler's [{"submissions": [...]}].
func Parse(data []byte, api string) ([]Paper, string, error) {
	notes, err := decodeNotes(data)
	if err != nil {
		return nil, "", err
	}
	if api == APIAuto || api == "" {
		api = detect(notes)
	}
	papers := make([]Paper, 0, len(notes))
	for _, n := range notes {
		p, err := n.paper(api)
		if err != nil {
			return nil, "", err
		}
		papers = append(papers, p)
	}
	return papers, api, nil
}

func decodeNotes(data []byte) ([]note, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty response; want OpenReview's {\"notes\": [...]}")
	}
	var notes []note
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("not OpenReview JSON: %w", err)
		}
		ns, err := decodeOne(raw)
		if err != nil {
			return nil, err
		}
		notes = append(notes, ns...)
	}
	return notes, nil
}

func decodeOne(raw json.RawMessage) ([]note, error) {
	if len(raw) > 0 && raw[0] == '[' {
		var items []struct {
			note
			Submissions []note `json:"submissions"`
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("not a list of OpenReview notes: %w", err)
		}
		var out []note
		for _, it := range items {
			if it.Submissions != nil {
				out = append(out, it.Submissions...)
			} else {
				out = append(out, it.note)
			}
		}
		return out, nil
	}
	var p page
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("not an OpenReview /notes response: %w", err)
	}
	if p.Notes == nil {
		return nil, errors.New("no \"notes\" in the response; want OpenReview's {\"notes\": [...], \"count\": n}")
	}
	return p.Notes, nil
}

// detect says which API the notes came from: v2 notes have "invitations" and
// wrap every content value in {"value": ...}.
func detect(notes []note) string {
	for _, n := range notes {
		if len(n.Invitations) > 0 {
			return APIV2
		}
		if n.Invitation != "" {
			return APIV1
		}
		for _, v := range n.Content {
			var w struct {
				Value json.RawMessage `json:"value"`
			}
			if len(v) > 0 && v[0] == '{' && json.Unmarshal(v, &w) == nil && w.Value != nil {
				return APIV2
			}
			return APIV1
		}
	}
	return APIV2
}

func (n note) paper(api string) (Paper, error) {
	content := n.Content
	if n.Details != nil && n.Details.Original != nil {
		// A v1 blind submission: the original note holds the authors' names.
		merged := map[string]json.RawMessage{}
		for k, v := range n.Details.Original.Content {
			merged[k] = v
		}
		for k, v := range n.Content {
			if k == "authors" || k == "authorids" {
				if _, ok := merged[k]; ok {
					continue
				}
			}
			merged[k] = v
		}
		content = merged
	}
	p := Paper{Number: n.Number, Forum: n.Forum, Invitation: n.Invitation}
	if p.Forum == "" {
		p.Forum = n.ID
	}
	get := func(key string, dst any) error {
		raw, ok := content[key]
		if !ok || string(raw) == "null" {
			return nil
		}
		if api == APIV2 {
			var w struct {
				Value json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(raw, &w); err != nil || w.Value == nil {
				return fmt.Errorf("note %s: content.%s: want {\"value\": ...} (API v2); use --api v1 for a v1 response", n.ID, key)
			}
			raw = w.Value
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("note %s: content.%s: %w", n.ID, key, err)
		}
		return nil
	}
	for key, dst := range map[string]any{"title": &p.Title, "authors": &p.Authors, "abstract": &p.Abstract,
		"pdf": &p.PDF, "venue": &p.Venue, "venueid": &p.VenueID} {
		if err := get(key, dst); err != nil {
			return Paper{}, err
		}
	}
	var replies []note
	if n.Details != nil {
		replies = n.Details.DirectReplies
	}
	replies = append(replies, n.Notes...)
	for _, r := range replies {
		inv := r.Invitation
		if len(r.Invitations) > 0 {
			inv = r.Invitations[0]
		}
		if !strings.HasSuffix(inv, "Decision") {
			continue
		}
		if err := r.get(api, "decision", &p.Decision); err != nil {
			return Paper{}, err
		}
	}
	return p, nil
}

func (n note) get(api, key string, dst *string) error {
	raw, ok := n.Content[key]
	if !ok {
		return nil
	}
	var w struct {
		Value *string `json:"value"`
	}
	if api == APIV2 && json.Unmarshal(raw, &w) == nil && w.Value != nil {
		*dst = *w.Value
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("note %s: content.%s: %w", n.ID, key, err)
	}
	return nil
}

// Doer sends HTTP requests; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client fetches a venue's papers from the API.
type Client struct {
	HTTP     Doer
	BaseV1   string // default BaseV1
	BaseV2   string // default BaseV2
	PageSize int    // notes per request; default 1000, the API's largest
}

var venueRE = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$`)

// Fetch reads every accepted paper of venue (an id like
// NeurIPS.cc/2021/Workshop/DLDE), page by page. APIAuto asks v2 first and falls
// back to v1 when v2 knows no accepted paper of the venue. It returns the
// version that answered.
func (c *Client) Fetch(ctx context.Context, venue, api string) ([]Paper, string, error) {
	if !venueRE.MatchString(venue) {
		return nil, "", fmt.Errorf("--venue %q is not an OpenReview venue id; want one like NeurIPS.cc/2021/Workshop/DLDE", venue)
	}
	if api == APIV2 || api == APIAuto || api == "" {
		papers, err := c.fetchV2(ctx, venue)
		if err != nil || api == APIV2 || len(papers) > 0 {
			return papers, APIV2, err
		}
	}
	papers, err := c.fetchV1(ctx, venue)
	return papers, APIV1, err
}

func (c *Client) fetchV2(ctx context.Context, venue string) ([]Paper, error) {
	base := or(c.BaseV2, BaseV2)
	notes, err := c.pages(ctx, base, url.Values{"content.venueid": {venue}})
	if err != nil {
		return nil, err
	}
	return papers(notes, APIV2)
}

func (c *Client) fetchV1(ctx context.Context, venue string) ([]Paper, error) {
	base := or(c.BaseV1, BaseV1)
	// Double-blind venues publish Blind_Submission notes, single-blind ones
	// Submission notes; the decision is a direct reply.
	for _, inv := range []string{"Blind_Submission", "Submission"} {
		notes, err := c.pages(ctx, base, url.Values{"invitation": {venue + "/-/" + inv}, "details": {"directReplies,original"}})
		if err != nil {
			return nil, err
		}
		if len(notes) > 0 {
			return papers(notes, APIV1)
		}
	}
	return nil, nil
}

func papers(notes []note, api string) ([]Paper, error) {
	out := make([]Paper, 0, len(notes))
	for _, n := range notes {
		p, err := n.paper(api)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// pages gets every page of /notes?q: offset grows by what each page returned,
// until the count the API reports (or, without one, a short page).
func (c *Client) pages(ctx context.Context, base string, q url.Values) ([]note, error) {
	size := c.PageSize
	if size <= 0 {
		size = 1000
	}
	var all []note
	for offset := 0; ; {
		q.Set("limit", strconv.Itoa(size))
		q.Set("offset", strconv.Itoa(offset))
		u := strings.TrimRight(base, "/") + "/notes?" + q.Encode()
		data, err := c.get(ctx, u)
		if err != nil {
			return nil, err
		}
		ns, err := decodeNotes(data)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", u, err)
		}
		all = append(all, ns...)
		offset += len(ns)
		// The count, when given, decides: the server may cap a page below limit.
		var p page
		_ = json.Unmarshal(data, &p)
		if len(ns) == 0 || p.Count != nil && offset >= *p.Count || p.Count == nil && len(ns) < size {
			return all, nil
		}
	}
}

func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	doer := c.HTTP
	if doer == nil {
		doer = http.DefaultClient
	}
	resp, err := doer.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %s%s", u, resp.Status, apiMessage(data))
	}
	if len(data) > MaxResponse {
		return nil, fmt.Errorf("GET %s: response larger than %d MiB", u, MaxResponse>>20)
	}
	return data, nil
}

// unwrapURL drops the *url.Error wrapper, whose text repeats the URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// apiMessage is the API's own error text, {"name": ..., "message": ...}, if any.
func apiMessage(data []byte) string {
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		return ": " + e.Message
	}
	return ""
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
