package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzDeliveriesRender renders the deliveries table with arbitrary feed text (titles, sources
// and links come from feeds Herald does not control): no markup or script URL may survive.
func FuzzDeliveriesRender(f *testing.F) {
	f.Add("Ceasefire holds", "https://outlet.example/1", "Outlet")
	f.Add(`<script>alert(1)</script>`, "javascript:alert(1)", `"><img src=x onerror=alert(1)>`)
	f.Add("a & b", " JAVASCRIPT:alert(1)", "</td></tr></table>")
	p, err := parsePages()
	if err != nil {
		f.Fatal(err)
	}
	d := &Dashboard{pages: p, opts: withDefaults(Options{})}
	f.Fuzz(func(t *testing.T, title, link, source string) {
		rec := httptest.NewRecorder()
		body := &deliveriesBody{Window: "7 days", Subs: []pickRow{{ID: "s1", Channel: "news", What: source, Current: true}},
			Sub: &subDeliveries{Channel: "news", What: source, Rows: []storyRow{{Published: "now", Title: title, Link: safeLink(link), Source: source, Verdict: "Posted."}}}}
		d.render(rec, http.StatusOK, "deliveries", pageData{Title: "Deliveries", Guild: &guild{ID: "g1", Name: source}, Tab: "deliveries", Body: body})
		out := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("render failed: %d %s", rec.Code, out)
		}
		if bad := unsafeMarkup(out); bad != "" {
			t.Fatalf("%s survived rendering:\n%s", bad, out)
		}
	})
}

// templateTags are the elements the dashboard's own templates use.
var templateTags = map[string]bool{"html": true, "head": true, "meta": true, "title": true, "link": true, "body": true,
	"a": true, "header": true, "nav": true, "strong": true, "main": true, "h1": true, "h2": true, "p": true, "form": true,
	"label": true, "select": true, "option": true, "button": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"th": true, "td": true, "br": true, "span": true, "input": true}

// unsafeMarkup parses page as a browser would and names the first element the templates do not
// make, event-handler attribute or script URL; "" when there is none.
func unsafeMarkup(page string) string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "unparseable page: " + err.Error()
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if !templateTags[n.Data] {
			return "element <" + n.Data + ">"
		}
		for _, a := range n.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(a.Key, "on") || ((a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(v, "javascript:")) {
				return "attribute " + a.Key + "=" + a.Val
			}
		}
	}
	return ""
}

// TestUnsafeMarkup checks the fuzz test's oracle, so that its silence means something.
func TestUnsafeMarkup(t *testing.T) {
	tests := []struct {
		name, page string
		unsafe     bool
	}{
		{"escaped text", `<p>&lt;img src=x onerror=alert(1)&gt;</p>`, false},
		{"plain link", `<a href="https://outlet.example/">x</a>`, false},
		{"injected image", `<p><img src=x onerror=alert(1)></p>`, true},
		{"script url", `<a href=" JavaScript:alert(1)">x</a>`, true},
		{"event handler", `<p onclick="x()">x</p>`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unsafeMarkup(tc.page) != ""; got != tc.unsafe {
				t.Errorf("unsafeMarkup(%q) unsafe = %v, want %v", tc.page, got, tc.unsafe)
			}
		})
	}
}
