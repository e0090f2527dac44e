package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain", "https://news.example/rss", "https://news.example/rss"},
		{"user and password", "https://reader:s3cret@news.example/rss", "https://reader:xxxxx@news.example/rss"},
		{"redis", "redis://u:secret@h:6379/0", "redis://u:xxxxx@h:6379/0"},
		{"user only", "https://reader@news.example/rss", "https://reader@news.example/rss"},
		{"at sign in the query", "https://news.example/rss?by=a@b", "https://news.example/rss?by=a@b"},
		{"unparseable without password kept", "http://a b@%zz", "http://a b@%zz"},
		{"unparseable password masked", "http://u:pa ss@%zz/feed", "http://u:xxxxx@%zz/feed"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := URL(tc.in); got != tc.want {
				t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPasswordIn(t *testing.T) {
	t.Parallel()
	raw := "redis://u:hunter2@h:6379/0"
	got := PasswordIn(`parse "redis://u:hunter2@h:6379/0": invalid port`, raw)
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "u:xxxxx@h") {
		t.Errorf("PasswordIn = %q", got)
	}
	if got := PasswordIn("no secret here", "https://news.example/rss"); got != "no secret here" {
		t.Errorf("PasswordIn changed text without a password: %q", got)
	}
}

// FuzzURL: whatever the input, a password that url.Parse finds never survives redaction.
func FuzzURL(f *testing.F) {
	for _, s := range []string{"https://u:p@h/x", "http://a b@%zz", "redis://:pw@h:1/0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := URL(raw)
		u, err := urlParse(raw)
		if err != nil || u == "" {
			return
		}
		if strings.Contains(out, ":"+u+"@") {
			t.Errorf("URL(%q) = %q keeps the password %q", raw, out, u)
		}
	})
}

// urlParse returns the password url.Parse sees in raw ("" when none).
func urlParse(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u == nil || u.User == nil {
		return "", err
	}
	p, _ := u.User.Password()
	if p == "" || p == Mask {
		return "", nil
	}
	return p, nil
}
