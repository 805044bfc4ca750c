package discordtest

import (
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// commandRoutes lists the routes for application commands, guild and global.
func commandRoutes() map[string]handler {
	return map[string]handler{
		"GET /applications/{application_id}/guilds/{guild_id}/commands":  listGuildCommands,
		"PUT /applications/{application_id}/guilds/{guild_id}/commands":  overwriteGuildCommands,
		"POST /applications/{application_id}/guilds/{guild_id}/commands": createGuildCommand,
		"GET /applications/{application_id}/commands":                    listGlobalCommands,
		"PUT /applications/{application_id}/commands":                    overwriteGlobalCommands,
		"POST /applications/{application_id}/commands":                   createGlobalCommand,
	}
}

func (s *Server) appLocked(rc *reqCtx, guild bool) error {
	if rc.param("application_id") != s.appID {
		return errUnknownApplication
	}
	if guild {
		return s.guildLocked(rc)
	}
	return nil
}

// storeCommandLocked fills the fields Discord assigns. Ids stay stable for
// the same (scope, type, name), as Discord keeps them across overwrites.
func (s *Server) storeCommandLocked(c *discordgo.ApplicationCommand, guild bool) {
	if c.Type == 0 {
		c.Type = discordgo.ChatApplicationCommand
	}
	scope := "global"
	if guild {
		scope = s.guildID
		c.GuildID = s.guildID
	}
	key := fmt.Sprintf("%s|%d|%s", scope, c.Type, c.Name)
	id, ok := s.commandIDs[key]
	if !ok {
		id = s.newID()
		s.commandIDs[key] = id
	}
	c.ID = id
	c.ApplicationID = s.appID
	c.Version = s.newID()
	if c.Options == nil {
		c.Options = []*discordgo.ApplicationCommandOption{}
	}
}

func (s *Server) overwriteCommandsLocked(rc *reqCtx, guild bool) (int, any, error) {
	if err := s.appLocked(rc, guild); err != nil {
		return 0, nil, err
	}
	var cmds []*discordgo.ApplicationCommand
	if err := rc.decode(&cmds); err != nil {
		return 0, nil, err
	}
	if cmds == nil {
		cmds = []*discordgo.ApplicationCommand{}
	}
	for _, c := range cmds {
		s.storeCommandLocked(c, guild)
	}
	if guild {
		s.guildCommands = cmds
	} else {
		s.globalCommands = cmds
	}
	return http.StatusOK, cmds, nil
}

func (s *Server) createCommandLocked(rc *reqCtx, guild bool) (int, any, error) {
	if err := s.appLocked(rc, guild); err != nil {
		return 0, nil, err
	}
	var c discordgo.ApplicationCommand
	if err := rc.decode(&c); err != nil {
		return 0, nil, err
	}
	s.storeCommandLocked(&c, guild)
	list := &s.globalCommands
	if guild {
		list = &s.guildCommands
	}
	for i, old := range *list {
		if old.ID == c.ID {
			(*list)[i] = &c
			return http.StatusOK, &c, nil
		}
	}
	*list = append(*list, &c)
	return http.StatusCreated, &c, nil
}

func listGuildCommands(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.appLocked(rc, true); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nonNil(s.guildCommands), nil
}

func listGlobalCommands(s *Server, rc *reqCtx) (int, any, error) {
	if err := s.appLocked(rc, false); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nonNil(s.globalCommands), nil
}

func nonNil(c []*discordgo.ApplicationCommand) []*discordgo.ApplicationCommand {
	if c == nil {
		return []*discordgo.ApplicationCommand{}
	}
	return c
}

func overwriteGuildCommands(s *Server, rc *reqCtx) (int, any, error) {
	return s.overwriteCommandsLocked(rc, true)
}

func overwriteGlobalCommands(s *Server, rc *reqCtx) (int, any, error) {
	return s.overwriteCommandsLocked(rc, false)
}

func createGuildCommand(s *Server, rc *reqCtx) (int, any, error) {
	return s.createCommandLocked(rc, true)
}

func createGlobalCommand(s *Server, rc *reqCtx) (int, any, error) {
	return s.createCommandLocked(rc, false)
}
