package console

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/heraldbot/herald/internal/message"
)

// Sender "posts" to the console: in console mode, live posts and digests are printed instead of
// sent to Discord, so the whole delivery path can be tried without a Discord application.
type Sender struct {
	mu  sync.Mutex
	out io.Writer
	n   int
}

// NewSender prints posts to out.
func NewSender(out io.Writer) *Sender { return &Sender{out: out} }

// Send prints m with its channel and returns a local message id.
func (s *Sender) Send(_ context.Context, channelID string, m message.Message, _ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if _, err := fmt.Fprintf(s.out, "── post to #%s ──\n%s\n", channelID, message.Text(m)); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	return fmt.Sprintf("console-%d", s.n), nil
}
