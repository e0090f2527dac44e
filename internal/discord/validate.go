package discord

import (
	"fmt"

	"github.com/heraldbot/herald/internal/message"
)

// ValidateMessage checks a message against Discord's limits (message.Validate) before it
// costs a request and, on a 400, a step toward Cloudflare's invalid-request ban. Test the
// cause with errors.Is(err, message.ErrEmpty) or message.ErrTooLong.
func ValidateMessage(m message.Message) error {
	if err := message.Validate(m); err != nil {
		return fmt.Errorf("discord: invalid message: %w", err)
	}
	return nil
}
