package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// getUpdates answers a long poll. Like Telegram, it refuses while a webhook
// is set, and a newer getUpdates terminates an older one still waiting
// (409 to the older): two pollers of one bot knock each other out.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	s.pollGen++
	mine := s.pollGen
	s.notify() // wakes an older poll, which sees it was superseded
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.webhookURL != "" {
			s.mu.Unlock()
			s.refuse(w, "getUpdates", http.StatusConflict, ErrWebhookActive)
			return
		}
		if s.pollGen != mine {
			s.mu.Unlock()
			s.refuse(w, "getUpdates", http.StatusConflict, ErrPollConflict)
			return
		}
		// An offset confirms every update before it.
		for len(s.pendingIDs) > 0 && offset > 0 && s.pendingIDs[0] < offset {
			s.pendingIDs, s.pending = s.pendingIDs[1:], s.pending[1:]
		}
		if n := min(len(s.pending), limit); n > 0 {
			out := append([]json.RawMessage(nil), s.pending[:n]...)
			s.mu.Unlock()
			reply(w, out)
			return
		}
		wait := s.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			reply(w, []json.RawMessage{})
			return
		}
		select {
		case <-wait:
		case <-time.After(left):
		case <-r.Context().Done():
			return
		}
	}
}

// register makes what an update shows exist, as it would in Telegram: the
// chat, the user's message (with the chat's next message id), the callback
// query waiting for its answer; s.mu is held.
func (s *Server) register(update map[string]any) {
	if m, ok := update["message"].(map[string]any); ok {
		c, _ := m["chat"].(map[string]any)
		id, typ := int64Of(c["id"]), "private"
		if t, ok := c["type"].(string); ok {
			typ = t
		}
		if id != 0 {
			ch := s.openChat(id, typ)
			text, _ := m["text"].(string)
			m["message_id"] = ch.add(text, nil, nil, false).ID
		}
	}
	if q, ok := update["callback_query"].(map[string]any); ok {
		if id, ok := q["id"].(string); ok {
			s.queries[id] = &callbackQuery{at: time.Now()}
		}
		if from, ok := q["from"].(map[string]any); ok {
			s.openChat(int64Of(from["id"]), "private")
		}
	}
}

func int64Of(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// Push gives an update (a JSON object without update_id) its id and queues
// it, in one step, as Telegram does: ids increase in the order updates are
// queued. It returns the update as sent, for redelivery tests.
func (s *Server) Push(update map[string]any) json.RawMessage {
	s.mu.Lock()
	s.register(update)
	if !s.filter.wants(updateKind(update)) {
		s.filter.dropped++
		s.mu.Unlock()
		return nil // not asked for: Telegram does not deliver it
	}
	s.nextUpdate++
	update["update_id"] = s.nextUpdate
	raw, _ := json.Marshal(update)
	if !(s.autoDeliver && s.webhookURL != "") {
		s.pending = append(s.pending, raw)
		s.pendingIDs = append(s.pendingIDs, s.nextUpdate)
		s.notify()
		s.mu.Unlock()
		return raw
	}
	s.mu.Unlock()
	s.Enqueue(raw)
	return raw
}

// Enqueue queues an update built by Update for getUpdates (or posts it to
// the webhook, with AutoDeliver). Updates built and queued from several
// goroutines may be queued out of id order; use Push for those.
func (s *Server) Enqueue(raw json.RawMessage) {
	var head struct {
		ID      int64 `json:"update_id"`
		Message *struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"message"`
		Callback *struct {
			From struct {
				ID int64 `json:"id"`
			} `json:"from"`
		} `json:"callback_query"`
		Edited *struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"edited_message"`
	}
	_ = json.Unmarshal(raw, &head)
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields)
	kind := ""
	for k := range fields {
		if k != "update_id" {
			kind = k
		}
	}
	s.mu.Lock()
	if !s.filter.wants(kind) {
		s.filter.dropped++
		s.mu.Unlock()
		return // not asked for: Telegram does not deliver it
	}
	if s.autoDeliver && s.webhookURL != "" {
		url, secret := s.webhookURL, s.webhookSecret
		s.mu.Unlock()
		chat := int64(0)
		if head.Message != nil {
			chat = head.Message.Chat.ID
		} else if head.Callback != nil {
			chat = head.Callback.From.ID
		} else if head.Edited != nil {
			chat = head.Edited.Chat.ID
		}
		go s.deliver(url, secret, chat, raw)
		return
	}
	s.pending = append(s.pending, raw)
	s.pendingIDs = append(s.pendingIDs, head.ID)
	s.notify()
	s.mu.Unlock()
}

// Redeliver queues an already delivered update again, as Telegram does when
// it is not sure the bot got it.
func (s *Server) Redeliver(raw json.RawMessage) {
	var head struct {
		ID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &head)
	s.mu.Lock()
	s.pending = append([]json.RawMessage{raw}, s.pending...)
	s.pendingIDs = append([]int64{head.ID}, s.pendingIDs...)
	s.notify()
	s.mu.Unlock()
}

// Update builds the JSON of an update as Push would send it, without
// queueing it (what it shows exists from now on).
func (s *Server) Update(update map[string]any) json.RawMessage {
	s.mu.Lock()
	s.register(update)
	s.nextUpdate++
	update["update_id"] = s.nextUpdate
	s.mu.Unlock()
	raw, _ := json.Marshal(update)
	return raw
}

// AutoDeliver makes Enqueue post updates to the webhook once one is set, as
// Telegram does: one chat's updates one after another, chats in parallel,
// retrying until the bot answers 200.
func (s *Server) AutoDeliver(on bool) {
	s.mu.Lock()
	s.autoDeliver = on
	s.mu.Unlock()
}

func (s *Server) deliver(url, secret string, chat int64, raw json.RawMessage) {
	s.mu.Lock()
	l := s.chatLocks[chat]
	if l == nil {
		l = &sync.Mutex{}
		s.chatLocks[chat] = l
	}
	s.mu.Unlock()
	l.Lock()
	defer l.Unlock()
	for attempt := 0; attempt < 20; attempt++ {
		code, err := s.PostWebhook(context.Background(), url, secret, raw)
		if err == nil && code == http.StatusOK {
			return
		}
		if err != nil {
			s.SetWebhookError(err.Error())
		} else {
			s.SetWebhookError("Wrong response from the webhook: " + strconv.Itoa(code))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PostWebhook posts an update to url with the secret header, as Telegram
// does, and returns the HTTP status.
func (s *Server) PostWebhook(ctx context.Context, url, secret string, raw json.RawMessage) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
