package telegramtest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Phone is one Telegram user chatting privately with the bot.
type Phone struct {
	T       testing.TB
	S       *Server
	UserID  int64
	Name    string
	Timeout time.Duration

	mark    int // events before the last input
	nextMsg int
	nextCB  int
	LastRaw json.RawMessage // the last update sent, for redelivery tests
	LastCB  string          // the id of the last callback query sent
	// LastFile is the file_id of the last document or photo sent.
	LastFile string

	sent  int           // the id of the last message sent
	dates map[int]int64 // the messages sent, by id: their dates
}

// Phone returns a phone for a user who has opened the bot (its private
// chat has the same id, and the bot may write to it).
func (s *Server) Phone(t testing.TB, userID int64, name string) *Phone {
	s.OpenChat(userID)
	return &Phone{T: t, S: s, UserID: userID, Name: name, Timeout: 10 * time.Second}
}

func (p *Phone) from() map[string]any {
	return map[string]any{"id": p.UserID, "is_bot": false, "first_name": p.Name, "language_code": "zh-hans"}
}

func (p *Phone) chat() map[string]any {
	return map[string]any{"id": p.UserID, "type": "private", "first_name": p.Name}
}

func (p *Phone) send(update map[string]any) *Phone {
	p.mark = p.S.EventCount(p.UserID)
	p.LastRaw = p.S.Push(update)
	p.noteSent(p.LastRaw)
	return p
}

// TextUpdate builds the update of a typed message without sending it.
func (p *Phone) TextUpdate(text string) map[string]any {
	p.nextMsg++
	return map[string]any{"message": map[string]any{
		"message_id": p.nextMsg, "from": p.from(), "chat": p.chat(), "date": time.Now().Unix(), "text": text,
	}}
}

// Say types and sends text.
func (p *Phone) Say(text string) *Phone {
	return p.send(p.TextUpdate(text))
}

// Screen is the newest message with buttons (the current question).
func (p *Phone) Screen() *Message {
	events := p.S.Events(p.UserID, 0)
	for i := len(events) - 1; i >= 0; i-- {
		if len(events[i].Buttons) > 0 {
			return p.S.Message(p.UserID, events[i].MessageID)
		}
	}
	return nil
}

// PressUpdate builds the callback query of a button on a message.
func (p *Phone) PressUpdate(messageID int, data string) map[string]any {
	p.nextCB++
	p.LastCB = "cb" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + "-" + itoa(p.nextCB)
	m := p.S.Message(p.UserID, messageID)
	text := ""
	if m != nil {
		text = m.Text
	}
	return map[string]any{"callback_query": map[string]any{
		"id": p.LastCB, "from": p.from(), "chat_instance": "ci" + itoa(int(p.UserID)), "data": data,
		"message": map[string]any{"message_id": messageID, "chat": p.chat(), "date": time.Now().Unix(), "text": text,
			"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "填报", "username": BotUsername}},
	}}
}

// InGroup builds a message the user types in a group chat the bot is in.
func (p *Phone) InGroup(groupID int64, text string) map[string]any {
	p.nextMsg++
	return map[string]any{"message": map[string]any{
		"message_id": p.nextMsg, "from": p.from(), "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": groupID, "type": "supergroup", "title": "工作群"},
	}}
}

// PressInGroup builds a callback query of a button on a message in a group.
func (p *Phone) PressInGroup(groupID int64, messageID int, data string) map[string]any {
	u := p.PressUpdate(messageID, data)
	q := u["callback_query"].(map[string]any)
	q["message"].(map[string]any)["chat"] = map[string]any{"id": groupID, "type": "supergroup", "title": "工作群"}
	return u
}

// Send queues an update built by one of the builders.
func (p *Phone) Send(update map[string]any) *Phone { return p.send(update) }

// Press presses the button labelled label (or whose label starts with it)
// on the newest message that has it.
func (p *Phone) Press(label string) *Phone {
	p.T.Helper()
	m, b := p.find(label)
	if m == nil {
		p.T.Fatalf("no button %q in chat %d; last screen: %+v", label, p.UserID, p.Screen())
	}
	return p.send(p.PressUpdate(m.ID, b.CallbackData))
}

// PressData sends a callback query with arbitrary data on a message.
func (p *Phone) PressData(messageID int, data string) *Phone {
	return p.send(p.PressUpdate(messageID, data))
}

func (p *Phone) find(label string) (*Message, Button) {
	events := p.S.Events(p.UserID, 0)
	for i := len(events) - 1; i >= 0; i-- {
		m := p.S.Message(p.UserID, events[i].MessageID)
		if m == nil {
			continue
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == label || strings.HasPrefix(b.Text, label) {
					return m, b
				}
			}
		}
	}
	return nil, Button{}
}

// Upload sends a document.
func (p *Phone) Upload(name, mimeType string, content []byte) *Phone {
	return p.Forward(p.S.AddFile(content), name, mimeType)
}

// Forward sends a file Telegram has already (one sent before, or
// forwarded from another chat): the same file_id and file_unique_id, and
// nothing uploaded.
func (p *Phone) Forward(id, name, mimeType string) *Phone {
	size := p.S.fileSize(id)
	p.LastFile = id
	p.nextMsg++
	return p.send(map[string]any{"message": map[string]any{
		"message_id": p.nextMsg, "from": p.from(), "chat": p.chat(), "date": time.Now().Unix(),
		"document": map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_name": name, "mime_type": mimeType, "file_size": size},
	}})
}

// Photo sends a photo (Telegram gives it no name).
func (p *Phone) Photo(content []byte) *Phone {
	id := p.S.AddFile(content)
	p.LastFile = id
	p.nextMsg++
	return p.send(map[string]any{"message": map[string]any{
		"message_id": p.nextMsg, "from": p.from(), "chat": p.chat(), "date": time.Now().Unix(),
		"photo": []map[string]any{{"file_id": id, "file_unique_id": "u" + id, "width": 800, "height": 600, "file_size": len(content)}},
	}})
}

// Text is everything the bot showed since the last input.
func (p *Phone) Text() string {
	var parts []string
	for _, e := range p.S.Events(p.UserID, p.mark) {
		parts = append(parts, e.Text)
	}
	return strings.Join(parts, "\n")
}

// Expect waits until the bot has shown every part since the last input.
func (p *Phone) Expect(parts ...string) *Phone {
	p.T.Helper()
	ok := p.S.WaitFor(p.Timeout, func() bool {
		text := p.Text()
		for _, part := range parts {
			if !strings.Contains(text, part) {
				return false
			}
		}
		return true
	})
	if !ok {
		p.T.Fatalf("chat %d: expected %q; the bot showed:\n%s", p.UserID, parts, p.Text())
	}
	return p
}

// ExpectNot checks the bot showed none of parts since the last input (call
// it after Expect, which waits for the replies).
func (p *Phone) ExpectNot(parts ...string) *Phone {
	p.T.Helper()
	text := p.Text()
	for _, part := range parts {
		if strings.Contains(text, part) {
			p.T.Errorf("chat %d: did not expect %q; the bot showed:\n%s", p.UserID, part, text)
		}
	}
	return p
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
