package telegramtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// updateFilter is the allowed_updates the bot last gave getUpdates or
// setWebhook. Telegram keeps it until it is given again ("If not
// specified, the previous setting will be used"); an empty list, like
// never giving one, means every kind but chat_member, message_reaction and
// message_reaction_count. Updates of other kinds are not delivered; those
// created before the setting changed are (the fake drops at creation).
type updateFilter struct {
	kinds   map[string]bool // nil: the default
	dropped int
}

// defaultExcluded are the kinds Telegram sends only when asked by name.
var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

func (f *updateFilter) wants(kind string) bool {
	if f.kinds == nil {
		return !defaultExcluded[kind]
	}
	return f.kinds[kind]
}

// allow records a call's allowed_updates, if it gives them.
func (s *Server) allow(p map[string]string) {
	raw, ok := p["allowed_updates"]
	if !ok {
		return
	}
	var kinds []string
	if err := json.Unmarshal([]byte(raw), &kinds); err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(kinds) == 0 {
		s.filter.kinds = nil
		return
	}
	s.filter.kinds = map[string]bool{}
	for _, k := range kinds {
		s.filter.kinds[k] = true
	}
}

// Dropped counts the updates not delivered because the bot did not ask
// for their kind.
func (s *Server) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filter.dropped
}

// updateKind is an update's kind: its one field besides update_id.
func updateKind(update map[string]any) string {
	for k := range update {
		if k != "update_id" {
			return k
		}
	}
	return ""
}

// editByUser changes the text of a message the user sent in their private
// chat, as their client does; it refuses what a client cannot do.
func (s *Server) editByUser(user int64, id int, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[user]
	if c == nil {
		return fmt.Errorf("no chat with user %d", user)
	}
	m := c.messages[id]
	switch {
	case m == nil:
		return fmt.Errorf("chat %d has no message %d", user, id)
	case m.FromBot:
		return fmt.Errorf("message %d is the bot's: a user cannot edit it", id)
	case m.Document != nil:
		return fmt.Errorf("message %d is a file: its text cannot be edited", id)
	case m.Text == text:
		return fmt.Errorf("message %d already says %q: a client sends no edit", id, text)
	}
	m.Text = text
	m.Edits++
	return nil
}

// Edit edits a text message the user sent (its id as Sent gave it), as a
// Telegram client does: the chat's message takes the new text, and the
// bot, if it asked for edited_message updates, gets one with the same
// message_id, the message's date and the edit's edit_date.
func (p *Phone) Edit(id int, text string) *Phone {
	p.T.Helper()
	if err := p.S.editByUser(p.UserID, id, text); err != nil {
		p.T.Fatalf("edit: %v", err)
	}
	date, ok := p.dates[id]
	if !ok {
		p.T.Fatalf("edit: message %d was not sent from this phone", id)
	}
	return p.send(map[string]any{"edited_message": map[string]any{
		"message_id": id, "from": p.from(), "chat": p.chat(), "date": date, "edit_date": time.Now().Unix(), "text": text,
	}})
}

// noteSent remembers the id and date Telegram gave a message the phone
// sent (its last one: Sent).
func (p *Phone) noteSent(raw json.RawMessage) {
	var u struct {
		Message *struct {
			ID   int   `json:"message_id"`
			Date int64 `json:"date"`
		} `json:"message"`
	}
	if raw == nil || json.Unmarshal(raw, &u) != nil || u.Message == nil {
		return
	}
	if p.dates == nil {
		p.dates = map[int]int64{}
	}
	p.dates[u.Message.ID] = u.Message.Date
	p.sent = u.Message.ID
}

// Sent is the id of the last message the phone sent (for Edit).
func (p *Phone) Sent() int { return p.sent }
