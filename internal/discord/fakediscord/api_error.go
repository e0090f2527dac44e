package fakediscord

import (
	"encoding/json"
	"net/http"
)

// Discord JSON error codes the fake produces. They are the codes a bot must branch on, so the
// fake uses the real numbers rather than inventing its own.
const (
	CodeUnknownChannel        = 10003
	CodeUnknownGuild          = 10004
	CodeUnknownMessage        = 10008
	CodeUnknownWebhook        = 10015
	CodeUnknownInteraction    = 10062
	CodeUnauthorized          = 40001
	CodeAlreadyAcknowledged   = 40060
	CodeMissingAccess         = 50001
	CodeEmptyMessage          = 50006
	CodeMissingPermissions    = 50013
	CodeInvalidWebhookToken   = 50027
	CodeInvalidFormBody       = 50035
	CodeTooManyGlobalCommands = 30032
	// CodeNonTextChannel: a message sent straight to a forum or media channel (posts are
	// threads there) or to a voice or category channel.
	CodeNonTextChannel = 50008
	// CodeWrongChannelType: e.g. crossposting outside an announcement channel.
	CodeWrongChannelType = 50024
	// CodeAlreadyCrossposted: the message was published already.
	CodeAlreadyCrossposted = 40033
)

// apiError is an error response: HTTP status plus Discord's {"code","message","errors"} body.
type apiError struct {
	status  int
	Code    int        `json:"code"`
	Message string     `json:"message"`
	Errors  *formError `json:"errors,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func newAPIError(status, code int, msg string) *apiError {
	return &apiError{status: status, Code: code, Message: msg}
}

// formError is Discord's nested "errors" object: keys are field names or array indexes, leaves
// carry "_errors": [{code, message}].
type formError struct {
	children map[string]*formError
	errs     []fieldError
}

type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (f *formError) add(path []string, code, msg string) {
	n := f
	for _, p := range path {
		if n.children == nil {
			n.children = map[string]*formError{}
		}
		c, ok := n.children[p]
		if !ok {
			c = &formError{}
			n.children[p] = c
		}
		n = c
	}
	n.errs = append(n.errs, fieldError{Code: code, Message: msg})
}

func (f *formError) empty() bool { return f == nil || (len(f.children) == 0 && len(f.errs) == 0) }

// MarshalJSON renders the tree the way Discord does.
func (f *formError) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, c := range f.children {
		m[k] = c
	}
	if len(f.errs) > 0 {
		m["_errors"] = f.errs
	}
	return json.Marshal(m)
}

// invalidForm wraps a non-empty error tree into the 400/50035 response.
func invalidForm(f *formError) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: CodeInvalidFormBody, Message: "Invalid Form Body", Errors: f}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e)
}
