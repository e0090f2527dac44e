package console

import (
	"context"
	"fmt"
	"sync"

	"github.com/heraldbot/herald/internal/message"
)

// Sender "posts" to the console: in console mode, live posts and digests are printed instead of
// sent to Discord, so the whole delivery path can be tried without a Discord application.
type Sender struct {
	mu     sync.Mutex
	screen *Screen
	n      int
}

// NewSender prints posts on screen, above the prompt.
func NewSender(screen *Screen) *Sender { return &Sender{screen: screen} }

// Send prints m with its channel and returns a local message id.
func (s *Sender) Send(_ context.Context, channelID string, m message.Message, _ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	text := Render(message.Text(m), s.screen.Interactive())
	if _, err := fmt.Fprintf(s.screen, "── post to #%s ──\n%s\n", channelID, text); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	return fmt.Sprintf("console-%d", s.n), nil
}
