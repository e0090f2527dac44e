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
