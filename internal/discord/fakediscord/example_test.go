package fakediscord_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/heraldbot/herald/internal/discord/fakediscord"
)

// A fake Discord answers exactly what Discord would: here, the 2001-character message a bot
// must never send.
func Example() {
	srv := fakediscord.New(fakediscord.Options{})
	defer srv.Close()

	req, _ := http.NewRequestWithContext(context.Background(), "POST",
		srv.URL()+"/api/v10/channels/42/messages", strings.NewReader(`{"content":"`+strings.Repeat("a", 2001)+`"}`))
	req.Header.Set("Authorization", "Bot "+srv.BotToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	fmt.Println(len(srv.Messages("42")), "messages stored")
	// Output:
	// 400 {"code":50035,"message":"Invalid Form Body","errors":{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}}}
	// 0 messages stored
}
