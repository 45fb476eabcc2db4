package wecom

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Message and event types a member's app sends the callback URL
// (接收消息与事件: 消息格式 https://developer.work.weixin.qq.com/document/path/90239,
// 事件格式 https://developer.work.weixin.qq.com/document/path/90240).
const (
	TypeText  = "text"
	TypeEvent = "event"

	EventClick             = "click"               // a menu button of type click; EventKey is its key
	EventView              = "view"                // a menu link opened; EventKey is the URL
	EventEnterAgent        = "enter_agent"         // the member opened the app
	EventTemplateCard      = "template_card_event" // a template card's button; EventKey, TaskId, CardType, ResponseCode
	EventTemplateCardMenu  = "template_card_menu_event"
	EventSubscribe         = "subscribe"
	EventUnsubscribe       = "unsubscribe"
	CardButtonInteraction  = "button_interaction"
	maxInboundContentBytes = 1 << 16
)

// Inbound is a decrypted message or event from a member, as 接收消息与事件
// documents it.
type Inbound struct {
	CorpID       string // ToUserName: the organisation's corp ID
	UserID       string // FromUserName: the member's UserID
	CreateTime   int64  // seconds since 1970
	Type         string // MsgType: text, event, image, voice, video, location, link
	Content      string // a text message's content
	MsgID        string // MsgId (64-bit), absent for events
	AgentID      int64
	Event        string
	EventKey     string
	TaskID       string
	CardType     string
	ResponseCode string
	Selected     []SelectedItem // a vote or multiple-choice card's answers
}

// SelectedItem is one question's answer on a card.
type SelectedItem struct {
	QuestionKey string
	OptionIDs   []string
}

type inboundXML struct {
	ToUserName    string `xml:"ToUserName"`
	FromUserName  string `xml:"FromUserName"`
	CreateTime    string `xml:"CreateTime"`
	MsgType       string `xml:"MsgType"`
	Content       string `xml:"Content"`
	MsgID         string `xml:"MsgId"`
	AgentID       string `xml:"AgentID"`
	Event         string `xml:"Event"`
	EventKey      string `xml:"EventKey"`
	TaskID        string `xml:"TaskId"`
	CardType      string `xml:"CardType"`
	ResponseCode  string `xml:"ResponseCode"`
	SelectedItems struct {
		Items []struct {
			QuestionKey string   `xml:"QuestionKey"`
			OptionIDs   []string `xml:"OptionIds>OptionId"`
		} `xml:"SelectedItem"`
	} `xml:"SelectedItems"`
}

// ErrMalformed is a decrypted callback that is not a message the docs
// describe.
var ErrMalformed = errors.New("wecom: malformed callback message")

// ParseInbound reads a decrypted message. It refuses what no documented
// message looks like: no sender, no type, no time, a text without MsgId, an
// event without its name.
func ParseInbound(plain []byte) (*Inbound, error) {
	var x inboundXML
	if err := xml.Unmarshal(plain, &x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m := &Inbound{
		CorpID: x.ToUserName, UserID: x.FromUserName, Type: x.MsgType, Content: x.Content,
		MsgID: strings.TrimSpace(x.MsgID), Event: x.Event, EventKey: x.EventKey, TaskID: x.TaskID,
		CardType: x.CardType, ResponseCode: x.ResponseCode,
	}
	bad := func(what string) (*Inbound, error) { return nil, fmt.Errorf("%w: %s", ErrMalformed, what) }
	if m.UserID == "" {
		return bad("no FromUserName")
	}
	if m.Type == "" {
		return bad("no MsgType")
	}
	t, err := strconv.ParseInt(strings.TrimSpace(x.CreateTime), 10, 64)
	if err != nil || t <= 0 {
		return bad("CreateTime is not a time")
	}
	m.CreateTime = t
	if s := strings.TrimSpace(x.AgentID); s != "" {
		if m.AgentID, err = strconv.ParseInt(s, 10, 64); err != nil {
			return bad("AgentID is not a number")
		}
	}
	if m.MsgID != "" {
		if _, err := strconv.ParseUint(m.MsgID, 10, 64); err != nil {
			return bad("MsgId is not a 64-bit number")
		}
	}
	switch m.Type {
	case TypeText:
		if m.MsgID == "" {
			return bad("a text message without MsgId")
		}
		if len(m.Content) > maxInboundContentBytes {
			return bad("text content too long")
		}
	case TypeEvent:
		if m.Event == "" {
			return bad("an event without Event")
		}
	}
	for _, it := range x.SelectedItems.Items {
		m.Selected = append(m.Selected, SelectedItem{QuestionKey: it.QuestionKey, OptionIDs: it.OptionIDs})
	}
	return m, nil
}

// DedupeKey identifies a message across WeCom's redeliveries (it retries a
// callback not answered 200 within five seconds, three times). The docs
// (接收消息与事件, 概述 https://developer.work.weixin.qq.com/document/path/90930)
// recommend MsgId for messages and FromUserName + CreateTime for events; an
// event's key also covers its name, task and button, so that two different
// presses within one second are not taken for one redelivered press (a
// redelivery repeats every field). Keys are at most 68 bytes.
func (m *Inbound) DedupeKey() string {
	if m.MsgID != "" {
		return "msg:" + m.MsgID
	}
	h := sha256.New()
	for _, s := range []string{m.UserID, strconv.FormatInt(m.CreateTime, 10), m.Event, m.TaskID, m.EventKey} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "evt:" + hex.EncodeToString(h.Sum(nil))
}
