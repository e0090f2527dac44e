package feed

import "github.com/heraldbot/herald/internal/redact"

// RedactURL hides the password of a feed URL such as https://user:secret@host/feed: private
// feeds carry basic-auth credentials in the URL, and the URL reaches logs, stored feed errors
// and the failure notices posted to Discord. It is redact.URL, the one redactor, under the
// name feed's many callers use.
func RedactURL(raw string) string { return redact.URL(raw) }
