package fakediscord

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// openAPIDoc is the pruned extract of Discord's OpenAPI description (see schema/NOTICE). It is
// embedded so the fake validates exactly what Discord documents, even without ../shared.
//
//go:embed schema/discord_openapi.json
var openAPIDoc []byte

const schemaBase = "https://fakediscord.invalid/discord_openapi.json"

// Request bodies the fake validates, named by OpenAPI path and method.
const (
	bodyMessageCreate   = "/channels/{channel_id}/messages post"
	bodyMessageEdit     = "/channels/{channel_id}/messages/{message_id} patch"
	bodyGlobalCommands  = "/applications/{application_id}/commands put"
	bodyGuildCommands   = "/applications/{application_id}/guilds/{guild_id}/commands put"
	bodyCallback        = "/interactions/{interaction_id}/{interaction_token}/callback post"
	bodyWebhookExecute  = "/webhooks/{webhook_id}/{webhook_token} post"
	bodyWebhookOriginal = "/webhooks/{webhook_id}/{webhook_token}/messages/@original patch"
	bodyWebhookMessage  = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id} patch"
	bodyThreadCreate    = "/channels/{channel_id}/threads post"
	bodyThreadOfMessage = "/channels/{channel_id}/messages/{message_id}/threads post"
	bodyWebhookCreate   = "/channels/{channel_id}/webhooks post"
)

// schemaSet holds the compiled request-body schemas.
type schemaSet struct {
	bodies map[string]*jsonschema.Schema
	// locales are Discord's locales (AvailableLocalesEnum): the only keys a localisation map
	// may have, which the request schemas leave open.
	locales map[string]bool
}

// compiledSchemas compiles the embedded schemas once per process. Compiling (mostly the
// library's metaschema check of the 100 KB document) costs ~200 ms, which every test that
// starts a Server would otherwise pay; the compiled set is immutable and safe for concurrent
// use, so sharing it shares no mutable state.
var compiledSchemas = sync.OnceValues(newSchemaSet)

func newSchemaSet() (*schemaSet, error) {
	doc, err := schemaDocument()
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaBase, doc); err != nil {
		return nil, fmt.Errorf("fakediscord: add schema resource: %w", err)
	}
	locales, err := documentLocales()
	if err != nil {
		return nil, err
	}
	set := &schemaSet{bodies: map[string]*jsonschema.Schema{}, locales: locales}
	for i, name := range bodyNames {
		sch, err := c.Compile(schemaBase + "#/$defs/" + bodyDef(i))
		if err != nil {
			return nil, fmt.Errorf("fakediscord: compile %s: %w", name, err)
		}
		set.bodies[name] = sch
	}
	return set, nil
}

var bodyNames = [...]string{bodyMessageCreate, bodyMessageEdit, bodyGlobalCommands, bodyGuildCommands,
	bodyCallback, bodyWebhookExecute, bodyWebhookOriginal, bodyWebhookMessage,
	bodyThreadCreate, bodyThreadOfMessage, bodyWebhookCreate}

func bodyDef(i int) string { return fmt.Sprintf("fakediscord_body_%d", i) }

// schemaDocument turns the OpenAPI extract into one JSON Schema document whose $defs hold the
// component schemas and the request bodies, with "#/components/schemas/X" references rewritten
// to "#/$defs/X". Compiling the OpenAPI document directly makes the compiler re-walk and
// re-validate the whole document for every referenced schema (~300 ms per server); as one
// schema document it is collected once.
func schemaDocument() (any, error) {
	var api struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &api); err != nil {
		return nil, fmt.Errorf("fakediscord: parse embedded openapi: %w", err)
	}
	defs := map[string]json.RawMessage{}
	for name, raw := range api.Components.Schemas {
		defs[name] = raw
	}
	for i, name := range bodyNames {
		path, method, _ := strings.Cut(name, " ")
		raw := api.Paths[path][method].RequestBody.Content["application/json"].Schema
		if raw == nil {
			return nil, fmt.Errorf("fakediscord: embedded openapi lacks %s", name)
		}
		defs[bodyDef(i)] = raw
	}
	b, err := json.Marshal(map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs})
	if err != nil {
		return nil, fmt.Errorf("fakediscord: build schema document: %w", err)
	}
	b = bytes.ReplaceAll(b, []byte(`"#/components/schemas/`), []byte(`"#/$defs/`))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("fakediscord: parse schema document: %w", err)
	}
	return doc, nil
}

// Locales are Discord's locales as its OpenAPI description lists them (AvailableLocalesEnum),
// sorted: Herald's own list of the keys a localisation map may have is checked against it.
func Locales() ([]string, error) {
	set, err := documentLocales()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	slices.Sort(out)
	return out, nil
}

// documentLocales reads Discord's locales from the embedded description's AvailableLocalesEnum.
func documentLocales() (map[string]bool, error) {
	var api struct {
		Components struct {
			Schemas struct {
				Locales struct {
					OneOf []struct {
						Const string `json:"const"`
					} `json:"oneOf"`
				} `json:"AvailableLocalesEnum"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &api); err != nil {
		return nil, fmt.Errorf("fakediscord: parse embedded openapi: %w", err)
	}
	out := map[string]bool{}
	for _, l := range api.Components.Schemas.Locales.OneOf {
		out[l.Const] = true
	}
	if len(out) == 0 {
		return nil, errors.New("fakediscord: embedded openapi lists no locales (AvailableLocalesEnum)")
	}
	return out, nil
}

// validate checks body against the named request schema. A body that is not JSON at all is
// reported like Discord does, as a 50109-style invalid JSON error folded into 50035.
func (s *schemaSet) validate(name string, body []byte) *apiError {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return &apiError{status: 400, Code: 50109, Message: "The request body contains invalid JSON."}
	}
	if name == bodyGlobalCommands || name == bodyGuildCommands {
		v = numericPermissions(v)
	} else {
		trimText(v)
	}
	err = s.bodies[name].Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &apiError{status: 500, Code: 0, Message: "fakediscord: " + err.Error()}
	}
	tree := &formError{}
	s.collect(ve, tree)
	if tree.empty() {
		tree.add(nil, "BASE_TYPE_INVALID", ve.Error())
	}
	return invalidForm(tree)
}

var digitsRE = regexp.MustCompile(`^[0-9]+$`)

// trimText trims the message text fields Discord trims before it counts their length, so a
// 2000-character reply wrapped in a newline passes the schema's maxLength as it passes Discord.
func trimText(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if str, ok := x.(string); ok && isTextField(k) {
				v[k] = strings.TrimSpace(str)
				continue
			}
			trimText(x)
		}
	case []any:
		for _, x := range v {
			trimText(x)
		}
	}
}

func isTextField(key string) bool {
	switch key {
	case "content", "title", "description", "name", "value", "text":
		return true
	}
	return false
}

// numericPermissions turns default_member_permissions given as a numeric string into a number.
// Discord's spec types it as an integer but Discord (and discordgo, which sends a string)
// accept both; a non-numeric string is left alone so the schema still rejects it.
func numericPermissions(v any) any {
	cmds, ok := v.([]any)
	if !ok {
		return v
	}
	for _, c := range cmds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		if s, ok := m["default_member_permissions"].(string); ok && digitsRE.MatchString(s) {
			m["default_member_permissions"] = json.Number(s)
		}
	}
	return v
}

// collect walks the validation error tree into Discord's error shape. For oneOf/anyOf it
// reports only the branch that got furthest, so "expected null" noise from nullable unions and
// type-discriminator mismatches do not drown the real complaint.
func (s *schemaSet) collect(e *jsonschema.ValidationError, tree *formError) {
	if len(e.Causes) == 0 {
		code, msg := s.describe(e.ErrorKind)
		path := e.InstanceLocation
		if r, ok := e.ErrorKind.(*kind.Required); ok && len(r.Missing) > 0 {
			path = append(append([]string(nil), path...), r.Missing[0])
		}
		tree.add(path, code, msg)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		s.collect(bestBranch(e.Causes), tree)
		return
	}
	for _, c := range e.Causes {
		s.collect(c, tree)
	}
}

func bestBranch(branches []*jsonschema.ValidationError) *jsonschema.ValidationError {
	best, bestScore := branches[0], -2
	for _, b := range branches {
		if sc := branchScore(b); sc > bestScore {
			best, bestScore = b, sc
		}
	}
	return best
}

// branchScore is the deepest instance location a branch failed at, or -1 when the branch
// failed because it is the wrong variant (null, or a "type" discriminator mismatch).
func branchScore(e *jsonschema.ValidationError) int {
	if len(e.Causes) == 0 {
		switch k := e.ErrorKind.(type) {
		case *kind.Type:
			if len(k.Want) == 1 && k.Want[0] == "null" {
				return -1
			}
		case *kind.Enum, *kind.Const:
			loc := e.InstanceLocation
			if len(loc) > 0 && loc[len(loc)-1] == "type" {
				return -1
			}
		}
		return len(e.InstanceLocation)
	}
	_, union := e.ErrorKind.(*kind.OneOf)
	if _, ok := e.ErrorKind.(*kind.AnyOf); ok {
		union = true
	}
	best := -1
	for _, c := range e.Causes {
		sc := branchScore(c)
		if sc < 0 && !union {
			return -1 // a conjunction with a wrong-variant failure is the wrong variant
		}
		best = max(best, sc) // a nested union is as good as its best branch
	}
	return best
}

func (s *schemaSet) describe(k jsonschema.ErrorKind) (code, msg string) {
	p := message.NewPrinter(language.English) // per call: Printer is not documented as goroutine-safe
	switch k := k.(type) {
	case *kind.MaxLength:
		return "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", k.Want)
	case *kind.MinLength:
		return "BASE_TYPE_MIN_LENGTH", fmt.Sprintf("Must be %d or more in length.", k.Want)
	case *kind.MaxItems:
		return "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", k.Want)
	case *kind.MinItems:
		return "BASE_TYPE_MIN_LENGTH", fmt.Sprintf("Must be %d or more in length.", k.Want)
	case *kind.Required:
		return "BASE_TYPE_REQUIRED", "This field is required"
	case *kind.Enum:
		return "BASE_TYPE_CHOICES", "Value must be one of " + k.LocalizedString(p) + "."
	case *kind.Maximum, *kind.Minimum:
		return "NUMBER_TYPE_OUT_OF_RANGE", k.LocalizedString(p)
	case *kind.Pattern:
		return "STRING_TYPE_REGEX", k.LocalizedString(p)
	}
	return "BASE_TYPE_INVALID", k.LocalizedString(p)
}
