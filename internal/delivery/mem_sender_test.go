package delivery

import (
	"context"
	"strconv"
	"sync"

	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/message"
)

// memSender is an in-memory Sender for tests of what delivery posts rather than how it
// reaches Discord: no HTTP and no fake server. It refuses what Discord would refuse
// (discord.ValidateMessage) and, like Discord with enforce_nonce, answers a nonce already
// used in a channel with the first message's ID instead of posting again. Tests of the wire
// (rate limits, failures, gone channels, places) use the fake with a real discord.Sender.
type memSender struct {
	mu     sync.Mutex
	posts  map[string][]message.Message
	nonces map[string]string // channel and nonce → message ID
	n      int
}

func newMemSender() *memSender {
	return &memSender{posts: map[string][]message.Message{}, nonces: map[string]string{}}
}

func (m *memSender) Send(_ context.Context, channelID string, msg message.Message, nonce string) (string, error) {
	if err := discord.ValidateMessage(msg); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := channelID + "/" + nonce
	if id, ok := m.nonces[key]; ok && nonce != "" {
		return id, nil
	}
	m.n++
	id := strconv.Itoa(m.n)
	if nonce != "" {
		m.nonces[key] = id
	}
	m.posts[channelID] = append(m.posts[channelID], msg)
	return id, nil
}

// messages are the channel's posts, in order.
func (m *memSender) messages(channelID string) []message.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]message.Message(nil), m.posts[channelID]...)
}

// sent is how many messages were posted, in every channel.
func (m *memSender) sent() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

// texts is every post of a channel as text, as fake.texts renders the fake's: content, then
// each embed's title, description and footer.
func (m *memSender) texts(channelID string) []string {
	var out []string
	for _, msg := range m.messages(channelID) {
		s := msg.Content
		for _, e := range msg.Embeds {
			s += "\n" + e.Title + "\n" + e.Description
			if e.Footer != "" {
				s += "\n" + e.Footer
			}
		}
		out = append(out, s)
	}
	return out
}
