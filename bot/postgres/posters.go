package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"workshopbot/bot"
)

// linkJSON is a bot.Link as stored in posters.links.
type linkJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// PosterRecords returns every poster record, by poster id (byte order).
func (db *DB) PosterRecords(ctx context.Context) ([]bot.PosterRecord, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT poster_id, channel_id, card_message_id, card_hash, topic, links, here_ms
		FROM posters ORDER BY poster_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list posters: %w", err)
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (bot.PosterRecord, error) {
		var (
			r     bot.PosterRecord
			links string
			here  *int64
		)
		if err := row.Scan(&r.PosterID, &r.ChannelID, &r.CardMessageID, &r.CardHash, &r.Topic, &links, &here); err != nil {
			return r, err
		}
		var ls []linkJSON
		if err := json.Unmarshal([]byte(links), &ls); err != nil {
			return r, fmt.Errorf("poster %s: links: %w", r.PosterID, err)
		}
		for _, l := range ls {
			r.Links = append(r.Links, bot.Link{Name: l.Name, URL: l.URL})
		}
		if here != nil {
			r.HereAt = fromMillis(*here)
		}
		return r, nil
	})
	if err != nil {
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
	_, err = db.exec(ctx, `
		INSERT INTO posters (poster_id, channel_id, card_message_id, card_hash, topic, links, here_ms)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (poster_id) DO UPDATE SET
			channel_id = excluded.channel_id,
			card_message_id = excluded.card_message_id,
			card_hash = excluded.card_hash,
			topic = excluded.topic,
			links = excluded.links,
			here_ms = excluded.here_ms`,
		r.PosterID, r.ChannelID, r.CardMessageID, r.CardHash, r.Topic, string(links), millis(r.HereAt))
	if err != nil {
		return fmt.Errorf("put poster %s: %w", r.PosterID, err)
	}
	return nil
}

// PostersArchived reports whether /workshop archive made poster channels read-only.
func (db *DB) PostersArchived(ctx context.Context) (bool, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM poster_settings WHERE key = 'archived'`).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
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
		INSERT INTO poster_settings (key, value) VALUES ('archived', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, v); err != nil {
		return fmt.Errorf("set poster archive state: %w", err)
	}
	return nil
}

// collect reads and closes rows with fn; nil for no rows, as database/sql's
// loops in bot/sqlite give.
func collect[T any](rows pgx.Rows, fn pgx.RowToFunc[T]) ([]T, error) {
	out, err := pgx.AppendRows([]T(nil), rows, fn)
	if err != nil {
		return nil, err
	}
	return out, nil
}
