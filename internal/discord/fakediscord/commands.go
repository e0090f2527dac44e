package fakediscord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Command is a registered application command as the fake stores it.
type Command struct {
	ID                       string  `json:"id"`
	ApplicationID            string  `json:"application_id"`
	GuildID                  string  `json:"guild_id,omitempty"`
	Version                  string  `json:"version"`
	Type                     int     `json:"type"`
	Name                     string  `json:"name"`
	Description              string  `json:"description"`
	DefaultMemberPermissions *string `json:"default_member_permissions"`
	// DescriptionLocalizations are the description by Discord locale ("de"), as registered.
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	// Contexts are where Discord offers the command (0 server, 1 bot DM, 2 private channel);
	// nil means everywhere the integration types allow.
	Contexts []int `json:"contexts"`
	// IntegrationTypes are the installs it is offered for (0 server, 1 user); Discord fills [0].
	IntegrationTypes []int           `json:"integration_types"`
	Options          []CommandOption `json:"options,omitempty"`
}

// CommandOption is an option (or subcommand) of a command.
type CommandOption struct {
	Type         int    `json:"type"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Required     bool   `json:"required,omitempty"`
	Autocomplete bool   `json:"autocomplete,omitempty"`
	// DescriptionLocalizations are the description by Discord locale, as registered.
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Choices                  []CommandChoice   `json:"choices,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
}

// CommandChoice is one predefined choice of an option.
type CommandChoice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
	// NameLocalizations are the name by Discord locale, as registered.
	NameLocalizations map[string]string `json:"name_localizations,omitempty"`
}

const (
	maxCommandChars    = 8000
	maxCommandsPerKind = 100
)

// commandNameRE is Discord's name rule for chat-input commands and all options.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// Commands returns the commands of one scope: guildID "" is the global set.
func (s *Server) Commands(guildID string) []Command {
	s.mu.Lock()
	raw, err := json.Marshal(s.state.commands[guildID])
	s.mu.Unlock()
	var out []Command
	if err == nil {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}

// PutCount is how many bulk-overwrite PUTs (global and guild) succeeded.
func (s *Server) PutCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.putCount
}

func (s *Server) checkApp(c *call) bool {
	if c.params["application_id"] != s.opts.AppID {
		writeAPIError(c.w, newAPIError(http.StatusForbidden, CodeMissingAccess, "Missing Access"))
		return false
	}
	return true
}

func (s *Server) handleGetCommands(c *call) {
	if !s.checkApp(c) {
		return
	}
	s.mu.Lock()
	out := s.state.commands[c.params["guild_id"]]
	if out == nil {
		out = []map[string]any{}
	}
	raw, _ := json.Marshal(out)
	s.mu.Unlock()
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(raw)
}

func (s *Server) handlePutCommands(c *call) {
	if !s.checkApp(c) {
		return
	}
	guildID := c.params["guild_id"]
	schema := bodyGlobalCommands
	if guildID != "" {
		schema = bodyGuildCommands
	}
	if e := s.schemas.validate(schema, c.body); e != nil {
		writeAPIError(c.w, e)
		return
	}
	var cmds []map[string]any
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(&cmds); err != nil {
		writeAPIError(c.w, invalidForm(formErrorAt(nil, "BASE_TYPE_INVALID", err.Error())))
		return
	}
	if e := checkCommands(cmds, s.schemas.locales); e != nil {
		writeAPIError(c.w, e)
		return
	}
	writeJSON(c.w, http.StatusOK, s.storeCommands(guildID, cmds))
}

// storeCommands replaces a scope's set, keeping the ids of commands that already existed under
// the same name and type, as Discord does.
func (s *Server) storeCommands(guildID string, cmds []map[string]any) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := map[string]string{}
	for _, c := range s.state.commands[guildID] {
		old[commandKey(c)] = c["id"].(string)
	}
	out := make([]map[string]any, 0, len(cmds))
	for _, c := range cmds {
		stored := normalizeCommand(c)
		id, ok := old[commandKey(stored)]
		if !ok {
			id = s.newIDLocked()
		}
		stored["id"], stored["application_id"], stored["version"] = id, s.opts.AppID, s.newIDLocked()
		if guildID != "" {
			stored["guild_id"] = guildID
		}
		out = append(out, stored)
	}
	s.state.commands[guildID] = out
	s.state.putCount++
	return out
}

func commandKey(c map[string]any) string { return fmt.Sprint(c["type"], "/", c["name"]) }

// normalizeCommand fills defaults and renders default_member_permissions as the string Discord
// returns (discordgo decodes it with a ",string" tag and fails on a bare number).
func normalizeCommand(in map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range in {
		if v != nil {
			c[k] = v
		}
	}
	if _, ok := c["type"]; !ok {
		c["type"] = json.Number("1")
	}
	if _, ok := c["description"]; !ok {
		c["description"] = ""
	}
	if _, ok := c["integration_types"]; !ok {
		c["integration_types"] = []any{json.Number("0")}
	}
	if p, ok := c["default_member_permissions"]; ok {
		c["default_member_permissions"] = fmt.Sprint(p)
	} else {
		c["default_member_permissions"] = nil
	}
	delete(c, "id")
	return c
}

// checkCommands applies the rules the schema cannot express: name syntax and case, description
// presence, unique names, localisation maps keyed by Discord's locales, the 8000-character
// total and the 100-command cap.
func checkCommands(cmds []map[string]any, locales map[string]bool) *apiError {
	tree := &formError{}
	seen := map[string]bool{}
	chat := 0
	for i, c := range cmds {
		path := []string{strconv.Itoa(i)}
		typ := numberOr(c["type"], 1)
		if typ == 1 {
			chat++
		}
		checkName(tree, path, str(c["name"]), typ == 1)
		checkDescription(tree, path, str(c["description"]), typ == 1)
		checkLocalizations(tree, path, c, locales, 32)
		if key := commandKey(map[string]any{"type": typ, "name": c["name"]}); seen[key] {
			tree.add(append(path, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		} else {
			seen[key] = true
		}
		n := utf8.RuneCountInString(str(c["name"])) + utf8.RuneCountInString(str(c["description"]))
		n += checkOptions(tree, append(path, "options"), c["options"], locales)
		if n > maxCommandChars {
			tree.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
		}
	}
	if !tree.empty() {
		return invalidForm(tree)
	}
	if chat > maxCommandsPerKind {
		return newAPIError(http.StatusBadRequest, CodeTooManyGlobalCommands,
			"Maximum number of application commands reached (100)")
	}
	return nil
}

// checkOptions validates options recursively and returns their character count.
func checkOptions(tree *formError, path []string, v any, locales map[string]bool) int {
	opts, _ := v.([]any)
	n := 0
	for j, o := range opts {
		m, ok := o.(map[string]any)
		if !ok {
			continue
		}
		p := append(append([]string(nil), path...), strconv.Itoa(j))
		checkName(tree, p, str(m["name"]), true)
		checkDescription(tree, p, str(m["description"]), true)
		checkLocalizations(tree, p, m, locales, 32)
		n += utf8.RuneCountInString(str(m["name"])) + utf8.RuneCountInString(str(m["description"]))
		choices, _ := m["choices"].([]any)
		if len(choices) > 0 && m["autocomplete"] == true {
			tree.add(append(p, "autocomplete"), "AUTOCOMPLETE_CHOICES_CONFLICT", "Autocomplete cannot be set with choices")
		}
		for k, ch := range choices {
			if cm, ok := ch.(map[string]any); ok {
				checkLocalizations(tree, append(append(append([]string(nil), p...), "choices"), strconv.Itoa(k)), cm, locales, 100)
				n += utf8.RuneCountInString(str(cm["name"])) + utf8.RuneCountInString(fmt.Sprint(cm["value"]))
			}
		}
		n += checkOptions(tree, append(p, "options"), m["options"], locales)
	}
	return n
}

// checkLocalizations applies Discord's rules to an object's name_localizations and
// description_localizations: keys from Discord's locales, descriptions 1-100 characters and
// names 1-nameMax (32 for commands and options, 100 for choices).
func checkLocalizations(tree *formError, path []string, obj map[string]any, locales map[string]bool, nameMax int) {
	for _, field := range []string{"name_localizations", "description_localizations"} {
		m, _ := obj[field].(map[string]any)
		for loc, v := range m {
			p := append(append([]string(nil), path...), field, loc)
			text, _ := v.(string)
			max := 100
			if field == "name_localizations" {
				max = nameMax
			}
			switch n := utf8.RuneCountInString(text); {
			case !locales[loc]:
				tree.add(p, "LOCALE_INVALID", fmt.Sprintf("Invalid locale %q", loc))
			case n < 1 || n > max:
				tree.add(p, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", max))
			}
		}
	}
}

func checkName(tree *formError, path []string, name string, chatInput bool) {
	p := append(append([]string(nil), path...), "name")
	if !chatInput {
		if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
			tree.add(p, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		}
		return
	}
	if !commandNameRE.MatchString(name) || strings.ToLower(name) != name {
		tree.add(p, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

func checkDescription(tree *formError, path []string, desc string, chatInput bool) {
	p := append(append([]string(nil), path...), "description")
	n := utf8.RuneCountInString(desc)
	switch {
	case chatInput && (n < 1 || n > 100):
		tree.add(p, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	case !chatInput && n > 0:
		tree.add(p, "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED", "Only chat input commands can have a description")
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func numberOr(v any, def int) int {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	}
	return def
}
