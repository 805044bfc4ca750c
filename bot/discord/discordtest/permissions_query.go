package discordtest

// Permissions returns what a member may do in a channel, computed as Discord
// does (guild roles, then the channel's overwrites for @everyone, the member's
// roles and the member): a test can check that a user may, or may not, pin or
// manage messages somewhere. A non-member gets 0.
func (s *Server) Permissions(userID, channelID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.members[userID]; !ok {
		return 0
	}
	ch := s.channelLocked(channelID)
	if ch == nil {
		return 0
	}
	return s.channelPermsLocked(userID, ch)
}
