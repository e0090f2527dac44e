package message

import (
	"fmt"
	"unicode/utf8"
)

// Discord's component limits.
const (
	MaxButtons      = 5   // per row; Herald uses one row
	MaxButtonLabel  = 80  // runes
	MaxComponentID  = 100 // custom_id, runes
	maxButtonsTotal = MaxButtons
)

// Button is a clickable button under a message; clicking it sends ID back to Herald.
type Button struct {
	Label    string
	ID       string
	Disabled bool
}

// validateButtons checks the one row of buttons a message may carry.
func validateButtons(bs []Button) []error {
	var errs []error
	if len(bs) > maxButtonsTotal {
		errs = append(errs, &FieldError{Field: "components", Len: len(bs), Max: maxButtonsTotal, Err: ErrTooLong})
	}
	for i, b := range bs {
		name := fmt.Sprintf("components[%d]", i)
		if n := utf8.RuneCountInString(b.Label); n == 0 || n > MaxButtonLabel {
			errs = append(errs, &FieldError{Field: name + ".label", Len: n, Max: MaxButtonLabel, Err: limitErr(n)})
		}
		if n := utf8.RuneCountInString(b.ID); n == 0 || n > MaxComponentID {
			errs = append(errs, &FieldError{Field: name + ".custom_id", Len: n, Max: MaxComponentID, Err: limitErr(n)})
		}
	}
	return errs
}

func limitErr(n int) error {
	if n == 0 {
		return ErrEmpty
	}
	return ErrTooLong
}

// Select is a drop-down menu under a message; choosing sends ID and the chosen Value back.
type Select struct {
	ID          string
	Placeholder string
	Options     []SelectOption
}

// SelectOption is one choice of a Select.
type SelectOption struct {
	Label, Value, Description string
}

// Discord's select menu limits.
const (
	MaxSelectOptions = 25
	maxSelectText    = 100 // label, value, description
	maxPlaceholder   = 150
)

func validateSelect(s *Select) []error {
	if s == nil {
		return nil
	}
	var errs []error
	add := func(field string, n, max int) {
		if n == 0 || n > max {
			errs = append(errs, &FieldError{Field: "select." + field, Len: n, Max: max, Err: limitErr(n)})
		}
	}
	add("custom_id", utf8.RuneCountInString(s.ID), MaxComponentID)
	if n := utf8.RuneCountInString(s.Placeholder); n > maxPlaceholder {
		errs = append(errs, &FieldError{Field: "select.placeholder", Len: n, Max: maxPlaceholder, Err: ErrTooLong})
	}
	add("options", len(s.Options), MaxSelectOptions)
	for i, o := range s.Options {
		add(fmt.Sprintf("options[%d].label", i), utf8.RuneCountInString(o.Label), maxSelectText)
		add(fmt.Sprintf("options[%d].value", i), utf8.RuneCountInString(o.Value), maxSelectText)
		if n := utf8.RuneCountInString(o.Description); n > maxSelectText {
			errs = append(errs, &FieldError{Field: fmt.Sprintf("select.options[%d].description", i), Len: n, Max: maxSelectText, Err: ErrTooLong})
		}
	}
	return errs
}
