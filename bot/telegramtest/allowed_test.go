package telegramtest

import (
	"encoding/json"
	"testing"
)

// poll asks for the updates waiting, with allowed_updates when kinds is
// not nil, and returns their kinds in order (confirming nothing).
func poll(t *testing.T, s *Server, kinds []string) []map[string]json.RawMessage {
	t.Helper()
	body := map[string]any{"timeout": 0}
	if kinds != nil {
		body["allowed_updates"] = kinds
	}
	code, a := call(t, s, tok, "getUpdates", body)
	if code != 200 || !a.OK {
		t.Fatalf("getUpdates: %d %s", code, a.Description)
	}
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(a.Result, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEditedMessagesAsTelegramDelivers: a user's edit reaches the bot as
// edited_message with the message's own id and date and an edit_date,
// only once the bot asked for edited_message; before, as Telegram does
// with kinds not in allowed_updates, it is not delivered at all. A
// client cannot edit the bot's messages, nor send an edit that changes
// nothing.
func TestEditedMessagesAsTelegramDelivers(t *testing.T) {
	s := NewServer(tok)
	defer s.Close()
	p := s.Phone(t, 42, "张三")
	if got := poll(t, s, []string{"message", "callback_query"}); len(got) != 0 {
		t.Fatalf("nothing sent yet, got %d updates", len(got))
	}
	p.Say("约50")
	first := p.Sent()
	p.Edit(first, "50")
	if s.Dropped() != 1 {
		t.Errorf("an edit the bot did not ask for: %d dropped, want 1", s.Dropped())
	}
	got := poll(t, s, nil) // not specified: the previous setting stays
	if len(got) != 1 || got[0]["message"] == nil {
		t.Fatalf("want the message alone, got %v", got)
	}
	if m := s.Message(42, first); m == nil || m.Text != "50" || m.Edits != 1 {
		t.Errorf("the chat's message after the edit: %+v", m)
	}

	poll(t, s, []string{"message", "edited_message", "callback_query"})
	p.Edit(first, "60")
	got = poll(t, s, nil)
	if len(got) != 2 {
		t.Fatalf("want the message and the edit, got %d updates", len(got))
	}
	var sent, edit struct {
		ID       int    `json:"message_id"`
		Date     int64  `json:"date"`
		EditDate int64  `json:"edit_date"`
		Text     string `json:"text"`
		Chat     struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
	}
	_ = json.Unmarshal(got[0]["message"], &sent)
	if err := json.Unmarshal(got[1]["edited_message"], &edit); err != nil || got[1]["message"] != nil {
		t.Fatalf("second update is not an edited_message: %v", got[1])
	}
	if edit.ID != sent.ID || edit.Date != sent.Date || edit.EditDate < edit.Date || edit.Text != "60" || edit.Chat.ID != 42 || edit.Chat.Type != "private" {
		t.Errorf("edited_message %+v of message %+v", edit, sent)
	}

	// An empty list is the default again: every kind but chat_member,
	// message_reaction and message_reaction_count.
	poll(t, s, []string{})
	p.Edit(first, "70")
	s.Push(map[string]any{"message_reaction": map[string]any{"chat": map[string]any{"id": 42, "type": "private"}}})
	got = poll(t, s, nil)
	if len(got) != 3 || got[2]["edited_message"] == nil {
		t.Errorf("with the default, want the edit delivered and the reaction not: %d updates", len(got))
	}

	s.mu.Lock()
	bots := s.chats[42].add("问题", nil, nil, true).ID
	s.mu.Unlock()
	for _, bad := range []struct {
		id   int
		text string
	}{{bots, "改"}, {first, "70"}, {first + 100, "1"}} {
		if err := s.editByUser(42, bad.id, bad.text); err == nil {
			t.Errorf("a client edited message %d to %q", bad.id, bad.text)
		}
	}
}
