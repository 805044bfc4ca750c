package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"workshopbot/bot"
)

// The transport holds poster channels for the bot: it implements
// bot.PosterGuild with one REST call per operation, through call.
var _ bot.PosterGuild = (*Transport)(nil)

// membersPage is how many members GET /guilds/{id}/members returns in one page.
const membersPage = 1000

// embedJSON is an embed as sent.
type embedJSON struct {
	Title       string      `json:"title,omitempty"`
	URL         string      `json:"url,omitempty"`
	Description string      `json:"description,omitempty"`
	Fields      []fieldJSON `json:"fields,omitempty"`
	Footer      *footerJSON `json:"footer,omitempty"`
}

type fieldJSON struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type footerJSON struct {
	Text string `json:"text"`
}

// embeds converts the bot's embeds; nil for none, so that "embeds" is left out.
func embeds(es []bot.Embed) []embedJSON {
	if len(es) == 0 {
		return nil
	}
	out := make([]embedJSON, 0, len(es))
	for _, e := range es[:min(len(es), bot.MaxEmbeds)] {
		j := embedJSON{Title: e.Title, URL: e.URL, Description: e.Description}
		for _, f := range e.Fields {
			j.Fields = append(j.Fields, fieldJSON{Name: f.Name, Value: f.Value, Inline: f.Inline})
		}
		if e.Footer != "" {
			j.Footer = &footerJSON{Text: e.Footer}
		}
		out = append(out, j)
	}
	return out
}

// botEmbeds converts embeds as Discord returns them back to the bot's.
func botEmbeds(es []embedJSON) []bot.Embed {
	var out []bot.Embed
	for _, j := range es {
		e := bot.Embed{Title: j.Title, URL: j.URL, Description: j.Description}
		for _, f := range j.Fields {
			e.Fields = append(e.Fields, bot.EmbedField{Name: f.Name, Value: f.Value, Inline: f.Inline})
		}
		if j.Footer != nil {
			e.Footer = j.Footer.Text
		}
		out = append(out, e)
	}
	return out
}

// pingUsers are the users a message may ping, within Discord's 100.
func pingUsers(ids []string) []string {
	var out []string
	for _, id := range ids {
		if isSnowflake(id) && len(out) < bot.MaxMentionUsers {
			out = append(out, id)
		}
	}
	return out
}

// overwriteJSON is a permission overwrite as Discord sends and takes it:
// permissions as decimal strings.
type overwriteJSON struct {
	ID    string `json:"id"`
	Type  int    `json:"type"` // 0 role, 1 member
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
}

func toOverwriteJSON(o bot.Overwrite) overwriteJSON {
	typ := 0
	if o.Member {
		typ = 1
	}
	return overwriteJSON{ID: o.ID, Type: typ, Allow: strconv.FormatInt(o.Allow, 10), Deny: strconv.FormatInt(o.Deny, 10)}
}

// channelJSON is a guild channel as Discord returns it.
type channelJSON struct {
	ID                   string          `json:"id"`
	Type                 int             `json:"type"`
	Name                 string          `json:"name"`
	Topic                *string         `json:"topic"`
	ParentID             *string         `json:"parent_id"`
	PermissionOverwrites []overwriteJSON `json:"permission_overwrites"`
}

func (c channelJSON) bot() bot.GuildChannel {
	g := bot.GuildChannel{ID: c.ID, Name: c.Name, Category: c.Type == int(discordgo.ChannelTypeGuildCategory)}
	if c.Topic != nil {
		g.Topic = *c.Topic
	}
	if c.ParentID != nil {
		g.ParentID = *c.ParentID
	}
	for _, o := range c.PermissionOverwrites {
		allow, _ := strconv.ParseInt(o.Allow, 10, 64)
		deny, _ := strconv.ParseInt(o.Deny, 10, 64)
		g.Overwrites = append(g.Overwrites, bot.Overwrite{ID: o.ID, Member: o.Type == 1, Allow: allow, Deny: deny})
	}
	return g
}

// GuildIdentity implements bot.PosterGuild: @everyone's id is the guild's.
func (t *Transport) GuildIdentity() (everyone, self string) {
	t.state.RLock()
	defer t.state.RUnlock()
	return t.guildID, t.botID
}

// GuildChannels implements bot.PosterGuild: the text and announcement channels
// and the categories, in one call.
func (t *Transport) GuildChannels(ctx context.Context) ([]bot.GuildChannel, error) {
	u := discordgo.EndpointGuildChannels(t.guildID)
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	var list []channelJSON
	if err := json.Unmarshal(resp, &list); err != nil {
		return nil, fmt.Errorf("list channels: decode: %w", err)
	}
	out := make([]bot.GuildChannel, 0, len(list))
	for _, c := range list {
		switch discordgo.ChannelType(c.Type) {
		case discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildCategory:
			out = append(out, c.bot())
		default:
			// Voice channels and others also count towards the 500: keep them
			// as nameless non-text entries so the sync counts them.
			out = append(out, bot.GuildChannel{ID: c.ID, ParentID: deref(c.ParentID)})
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// GuildMembers implements bot.PosterGuild: every member, a page of 1000 per call
// (the Server Members intent is required, as for the gateway).
func (t *Transport) GuildMembers(ctx context.Context) ([]bot.User, error) {
	var out []bot.User
	after := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(membersPage)}}
		if after != "" {
			q.Set("after", after)
		}
		u := discordgo.EndpointGuildMembers(t.guildID) + "?" + q.Encode()
		resp, err := t.call(ctx, "GET", u, discordgo.EndpointGuildMembers(t.guildID), nil, true)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		var page []discordgo.Member
		if err := json.Unmarshal(resp, &page); err != nil {
			return nil, fmt.Errorf("list members: decode: %w", err)
		}
		for _, m := range page {
			if m.User != nil {
				out = append(out, bot.User{ID: m.User.ID, Name: m.User.Username})
				after = m.User.ID
			}
		}
		if len(page) < membersPage {
			return out, nil
		}
	}
}

// createChannelJSON is the body of POST /guilds/{id}/channels.
type createChannelJSON struct {
	Name                 string          `json:"name"`
	Type                 int             `json:"type"`
	Topic                string          `json:"topic,omitempty"`
	ParentID             string          `json:"parent_id,omitempty"`
	PermissionOverwrites []overwriteJSON `json:"permission_overwrites,omitempty"`
}

// CreateChannel implements bot.PosterGuild: name, topic, parent and overwrites
// in one call. Creating is not idempotent: after an answer that leaves it
// unclear whether Discord created the channel, it looks before trying again.
func (t *Transport) CreateChannel(ctx context.Context, c bot.ChannelSpec) (bot.GuildChannel, error) {
	body := createChannelJSON{Name: c.Name, Type: int(discordgo.ChannelTypeGuildText), Topic: c.Topic, ParentID: c.ParentID}
	if c.Category {
		body.Type = int(discordgo.ChannelTypeGuildCategory)
	}
	for _, o := range c.Overwrites {
		body.PermissionOverwrites = append(body.PermissionOverwrites, toOverwriteJSON(o))
	}
	u := discordgo.EndpointGuildChannels(t.guildID)
	var err error
	for try := 0; try < 2; try++ {
		var resp []byte
		if resp, err = t.call(ctx, "POST", u, u, body, false); err == nil {
			var ch channelJSON
			if err := json.Unmarshal(resp, &ch); err != nil {
				return bot.GuildChannel{}, fmt.Errorf("create %s: decode: %w", c.Name, err)
			}
			t.log.Info("created "+c.Name, "channel", ch.Name, "channel_id", ch.ID, "parent", c.ParentID, "category", c.Category)
			return ch.bot(), nil
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status != 0 && ae.Status < 500 {
			break // refused: Discord did not create it
		}
		if list, lerr := t.GuildChannels(ctx); lerr == nil {
			for _, g := range list {
				if g.Name == c.Name && g.ParentID == c.ParentID && g.Category == c.Category {
					return g, nil
				}
			}
		}
	}
	return bot.GuildChannel{}, fmt.Errorf("create %s: %w%s", c.Name, err, forbidden(err, "MANAGE_CHANNELS and MANAGE_ROLES"))
}

// forbidden names the permissions to grant when err is a 403.
func forbidden(err error, perms string) string {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
		return ": the bot needs " + perms
	}
	return ""
}

// EditChannel implements bot.PosterGuild: name, topic and parent in one call.
// Discord allows two name or topic changes per channel in 10 minutes.
func (t *Transport) EditChannel(ctx context.Context, channelID string, e bot.ChannelEdit) error {
	body := map[string]any{}
	if e.Name != nil {
		body["name"] = *e.Name
	}
	if e.Topic != nil {
		body["topic"] = *e.Topic
	}
	if e.ParentID != nil {
		body["parent_id"] = *e.ParentID
	}
	if len(body) == 0 {
		return nil // an edit that changes nothing is not sent
	}
	u := discordgo.EndpointChannel(channelID)
	bucket := u
	if e.Name != nil || e.Topic != nil {
		// Name and topic edits have their own bucket on Discord (2 per 10
		// minutes per channel): an exhausted one must not hold up other edits.
		bucket = u + "#name-topic"
	}
	if _, err := t.call(ctx, "PATCH", u, bucket, body, true); err != nil {
		return fmt.Errorf("edit channel %s: %w%s", channelID, err, forbidden(err, "MANAGE_CHANNELS"))
	}
	return nil
}

// SetOverwrite implements bot.PosterGuild.
func (t *Transport) SetOverwrite(ctx context.Context, channelID string, o bot.Overwrite) error {
	j := toOverwriteJSON(o)
	body := struct {
		Type  int    `json:"type"`
		Allow string `json:"allow"`
		Deny  string `json:"deny"`
	}{j.Type, j.Allow, j.Deny}
	u := discordgo.EndpointChannelPermission(channelID, o.ID)
	if _, err := t.call(ctx, "PUT", u, discordgo.EndpointChannelPermissions(channelID), body, true); err != nil {
		return fmt.Errorf("set rights in channel %s for %s: %w%s", channelID, o.ID, err, forbidden(err, "MANAGE_ROLES, and every permission it grants"))
	}
	return nil
}

// DeleteOverwrite implements bot.PosterGuild; one already gone is no error.
func (t *Transport) DeleteOverwrite(ctx context.Context, channelID, targetID string) error {
	u := discordgo.EndpointChannelPermission(channelID, targetID)
	if _, err := t.call(ctx, "DELETE", u, discordgo.EndpointChannelPermissions(channelID), nil, true); err != nil && !notFound(err) {
		return fmt.Errorf("remove rights in channel %s for %s: %w%s", channelID, targetID, err, forbidden(err, "MANAGE_ROLES"))
	}
	return nil
}

func notFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// PostCard implements bot.PosterGuild through Post, so a card is posted as any
// message is (nonce, retries, allowed_mentions).
func (t *Transport) PostCard(ctx context.Context, channelID string, m bot.Message) (string, error) {
	m.Channel = channelID
	p, err := t.Post(ctx, m)
	if err != nil {
		return "", err
	}
	return p.MessageID, nil
}

// cardEdit is the body of a card's edit: the whole card, pinging no one.
type cardEdit struct {
	Content         string           `json:"content"`
	Embeds          []embedJSON      `json:"embeds"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
}

// EditCard implements bot.PosterGuild; bot.ErrNotFound if the card is gone.
func (t *Transport) EditCard(ctx context.Context, channelID, messageID string, m bot.Message) error {
	done, ok := t.track()
	if !ok {
		return fmt.Errorf("edit card %s: transport closed", messageID)
	}
	defer done()
	body := cardEdit{Content: bot.Truncate(m.Content, bot.MaxContent), Embeds: embeds(m.Embeds), AllowedMentions: noMentions()}
	if body.Embeds == nil {
		body.Embeds = []embedJSON{}
	}
	u := discordgo.EndpointChannelMessage(channelID, messageID)
	if _, err := t.call(ctx, "PATCH", u, discordgo.EndpointChannelMessage(channelID, ""), body, true); err != nil {
		if notFound(err) {
			return fmt.Errorf("edit card %s in channel %s: %w", messageID, channelID, bot.ErrNotFound)
		}
		return fmt.Errorf("edit card %s in channel %s: %w", messageID, channelID, err)
	}
	return nil
}

// pinsURL is the current pins endpoint (Discord moved it under /messages).
func pinsURL(channelID, messageID string) string {
	u := discordgo.EndpointChannel(channelID) + "/messages/pins"
	if messageID != "" {
		u += "/" + messageID
	}
	return u
}

// Pin implements bot.PosterGuild.
func (t *Transport) Pin(ctx context.Context, channelID, messageID string) error {
	u := pinsURL(channelID, messageID)
	if _, err := t.call(ctx, "PUT", u, pinsURL(channelID, ""), nil, true); err != nil {
		return fmt.Errorf("pin message %s in channel %s: %w%s", messageID, channelID, err, forbidden(err, "PIN_MESSAGES"))
	}
	return nil
}

// PinnedCard implements bot.PosterGuild: the newest pinned message of the bot's
// that carries an embed.
func (t *Transport) PinnedCard(ctx context.Context, channelID string) (string, []bot.Embed, error) {
	u := pinsURL(channelID, "")
	resp, err := t.call(ctx, "GET", u, u, nil, true)
	if err != nil {
		return "", nil, fmt.Errorf("list pins of channel %s: %w", channelID, err)
	}
	var pins struct {
		Items []struct {
			Message struct {
				ID     string               `json:"id"`
				Author *struct{ ID string } `json:"author"`
				Embeds []embedJSON          `json:"embeds"`
			} `json:"message"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp, &pins); err != nil {
		return "", nil, fmt.Errorf("list pins of channel %s: decode: %w", channelID, err)
	}
	_, self := t.GuildIdentity()
	for _, it := range pins.Items {
		m := it.Message
		if m.Author != nil && m.Author.ID == self && len(m.Embeds) > 0 {
			return m.ID, botEmbeds(m.Embeds), nil
		}
	}
	return "", nil, nil
}

// onMemberAdd hands a new member to Config.OnMemberJoin (presenters get their
// rights when they join). It runs in the gateway's reader: the callback must
// be quick, and is.
func (t *Transport) onMemberAdd(_ *discordgo.Session, e *discordgo.GuildMemberAdd) {
	if e.Member == nil || e.User == nil || e.GuildID != t.guildID {
		return
	}
	t.activity(bot.Activity{Kind: bot.ActivityJoin})
	if t.cfg.OnMemberJoin == nil {
		return
	}
	t.log.Info("member joined", "user", e.User.ID, "name", e.User.Username)
	t.cfg.OnMemberJoin(bot.User{ID: e.User.ID, Name: e.User.Username})
}
