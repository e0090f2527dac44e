package message

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name    string
		msg     Message
		field   string // "" means valid
		isEmpty bool
	}{
		{name: "content only", msg: Message{Content: "hi"}},
		{name: "content at limit", msg: Message{Content: long(MaxContent)}},
		{name: "content at limit plus surrounding whitespace", msg: Message{Content: "  \n" + long(MaxContent) + "\n "}},
		{name: "content over limit", msg: Message{Content: long(MaxContent + 1)}, field: "content"},
		{name: "content counted in runes", msg: Message{Content: strings.Repeat("é", MaxContent)}},
		{name: "empty message", msg: Message{}, field: "message", isEmpty: true},
		{name: "whitespace message", msg: Message{Content: " \n\t "}, field: "message", isEmpty: true},
		{name: "empty embed", msg: Message{Embeds: []Embed{{URL: "https://x.test"}}}, field: "embeds[0]", isEmpty: true},
		{name: "image-only embed", msg: Message{Embeds: []Embed{{Image: "https://x.test/a.png"}}}},
		{name: "eleven embeds", msg: Message{Embeds: make11()}, field: "embeds"},
		{name: "title over", msg: Message{Embeds: []Embed{{Title: long(MaxEmbedTitle + 1)}}}, field: "embeds[0].title"},
		{name: "description at limit", msg: Message{Embeds: []Embed{{Description: long(MaxEmbedDescription)}}}},
		{name: "description over", msg: Message{Embeds: []Embed{{Description: long(MaxEmbedDescription + 1)}}}, field: "embeds[0].description"},
		{name: "footer over", msg: Message{Embeds: []Embed{{Footer: long(MaxFooter + 1)}}}, field: "embeds[0].footer"},
		{name: "author over", msg: Message{Embeds: []Embed{{Author: long(MaxAuthorName + 1)}}}, field: "embeds[0].author"},
		{name: "too many fields", msg: Message{Embeds: []Embed{{Fields: fields(MaxEmbedFields+1, "n", "v")}}}, field: "embeds[0].fields"},
		{name: "field name over", msg: Message{Embeds: []Embed{{Fields: fields(1, long(MaxFieldName+1), "v")}}}, field: "embeds[0].fields[0].name"},
		{name: "field value over", msg: Message{Embeds: []Embed{{Fields: fields(1, "n", long(MaxFieldValue+1))}}}, field: "embeds[0].fields[0].value"},
		{name: "field value empty", msg: Message{Embeds: []Embed{{Fields: fields(1, "n", " ")}}}, field: "embeds[0].fields[0].value", isEmpty: true},
		{name: "field name empty", msg: Message{Embeds: []Embed{{Fields: fields(1, "", "v")}}}, field: "embeds[0].fields[0].name", isEmpty: true},
		{name: "blank field allowed", msg: Message{Embeds: []Embed{{Fields: fields(1, Blank, Blank)}}}},
		{
			name:  "total over 6000",
			msg:   Message{Embeds: []Embed{{Description: long(4000)}, {Description: long(2001)}}},
			field: "embeds total",
		},
		{name: "total exactly 6000", msg: Message{Embeds: []Embed{{Description: long(4000)}, {Description: long(2000)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.msg)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (err %v)", fe.Field, tt.field, err)
			}
			if got := errors.Is(err, ErrEmpty); got != tt.isEmpty {
				t.Errorf("errors.Is(err, ErrEmpty) = %v, want %v", got, tt.isEmpty)
			}
			if !tt.isEmpty && !errors.Is(err, ErrTooLong) {
				t.Errorf("errors.Is(err, ErrTooLong) = false for %v", err)
			}
			if !strings.HasPrefix(err.Error(), "message: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestValidateReportsEveryViolation(t *testing.T) {
	m := Message{Content: strings.Repeat("x", MaxContent+1), Embeds: []Embed{{Title: strings.Repeat("t", MaxEmbedTitle+1)}}}
	err := Validate(m)
	for _, want := range []string{"content is 2001 long, max 2000", "embeds[0].title is 257 long, max 256"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}

func make11() []Embed {
	var es []Embed
	for range 11 {
		es = append(es, Embed{Title: "t"})
	}
	return es
}

func fields(n int, name, value string) []Field {
	fs := make([]Field, n)
	for i := range fs {
		fs[i] = Field{Name: name, Value: value}
	}
	return fs
}
