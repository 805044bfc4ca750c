package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"workshopbot/bot"
)

var _ bot.PosterStore = (*DB)(nil)

// linkJSON is a bot.Link as stored in posters.links.
type linkJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// PosterRecords returns every poster record, by poster id.
func (db *DB) PosterRecords(ctx context.Context) ([]bot.PosterRecord, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT poster_id, channel_id, card_message_id, card_hash, topic, links, here_ms
		FROM posters ORDER BY poster_id`)
	if err != nil {
		return nil, fmt.Errorf("list posters: %w", err)
	}
	defer rows.Close()
	var out []bot.PosterRecord
	for rows.Next() {
		var (
			r     bot.PosterRecord
			links string
			here  sql.NullInt64
		)
		if err := rows.Scan(&r.PosterID, &r.ChannelID, &r.CardMessageID, &r.CardHash, &r.Topic, &links, &here); err != nil {
			return nil, fmt.Errorf("list posters: %w", err)
		}
		var ls []linkJSON
		if err := json.Unmarshal([]byte(links), &ls); err != nil {
			return nil, fmt.Errorf("list posters: poster %s: links: %w", r.PosterID, err)
		}
		for _, l := range ls {
			r.Links = append(r.Links, bot.Link{Name: l.Name, URL: l.URL})
		}
		if here.Valid {
			r.HereAt = fromMillis(here.Int64)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list posters: %w", err)
	}
	return out, nil
}

// PutPosterRecord inserts or replaces the record of r.PosterID. Times are kept
// to the millisecond.
func (db *DB) PutPosterRecord(ctx context.Context, r bot.PosterRecord) error {
	if r.PosterID == "" {
		return errors.New("put poster: empty poster id")
	}
	ls := make([]linkJSON, 0, len(r.Links))
	for _, l := range r.Links {
		ls = append(ls, linkJSON{Name: l.Name, URL: l.URL})
	}
	links, err := json.Marshal(ls)
	if err != nil {
		return fmt.Errorf("put poster %s: links: %w", r.PosterID, err)
	}
	var here sql.NullInt64
	if !r.HereAt.IsZero() {
		here = sql.NullInt64{Int64: r.HereAt.UnixMilli(), Valid: true}
	}
	_, err = db.exec(ctx, `
		INSERT INTO posters (poster_id, channel_id, card_message_id, card_hash, topic, links, here_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (poster_id) DO UPDATE SET
			channel_id = excluded.channel_id,
			card_message_id = excluded.card_message_id,
			card_hash = excluded.card_hash,
			topic = excluded.topic,
			links = excluded.links,
			here_ms = excluded.here_ms`,
		r.PosterID, r.ChannelID, r.CardMessageID, r.CardHash, r.Topic, string(links), here)
	if err != nil {
		return fmt.Errorf("put poster %s: %w", r.PosterID, err)
	}
	return nil
}

// PostersArchived reports whether /workshop archive made poster channels read-only.
func (db *DB) PostersArchived(ctx context.Context) (bool, error) {
	var v string
	err := db.sql.QueryRowContext(ctx, `SELECT value FROM poster_settings WHERE key = 'archived'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read poster archive state: %w", err)
	}
	return v == "1", nil
}

// SetPostersArchived records whether poster channels are read-only.
func (db *DB) SetPostersArchived(ctx context.Context, archived bool) error {
	v := "0"
	if archived {
		v = "1"
	}
	if _, err := db.exec(ctx, `
		INSERT INTO poster_settings (key, value) VALUES ('archived', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, v); err != nil {
		return fmt.Errorf("set poster archive state: %w", err)
	}
	return nil
}
