package wecom

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The callback URL's protocol (接收消息与事件, 概述:
// https://developer.work.weixin.qq.com/document/path/90930):
//
//   - saving the URL in the admin console sends GET ?msg_signature=
//     &timestamp=&nonce=&echostr=; the answer, within a second, is the
//     decrypted echostr and nothing else (no quotes, BOM or line break);
//   - messages come as POST ?msg_signature=&timestamp=&nonce= with
//     <xml><ToUserName/><Encrypt/><AgentID/></xml>, the signature over
//     Encrypt;
//   - 200 means received; WeCom drops the connection after five seconds
//     and retries three times; an empty body is a valid answer (no
//     passive reply), and the bot answers through message/send.

// ErrStale is a callback whose signed timestamp is further from now than
// the receiver allows: a replay of a captured request.
var ErrStale = errors.New("wecom: callback timestamp too far from now")

// ErrOtherApp is a callback addressed to another app (AgentID).
var ErrOtherApp = errors.New("wecom: callback for another app")

// DefaultMaxSkew is how far a callback's timestamp may be from the
// receiver's clock. WeCom's retries of one message come within seconds; an
// hour leaves room for a badly set clock, and the inbound deduplication
// keeps the keys it has seen for longer than that.
const DefaultMaxSkew = time.Hour

// MaxCallbackBody is the most a callback POST may carry. A text message
// is at most 2,048 bytes; an encrypted envelope of one is under 4 KB.
const MaxCallbackBody = 1 << 20

// Receiver checks and opens the callbacks of one app.
type Receiver struct {
	Crypto  *Crypto
	CorpID  string
	AgentID int64
	// MaxSkew bounds the distance between the signed timestamp and Now; 0
	// turns the check off.
	MaxSkew time.Duration
	Now     func() time.Time
}

// NewReceiver takes the callback's Token and EncodingAESKey, the corp ID
// and the app's agent ID (0: any app of the organisation).
func NewReceiver(token, encodingAESKey, corpID string, agentID int64) (*Receiver, error) {
	c, err := NewCrypto(token, encodingAESKey, corpID)
	if err != nil {
		return nil, err
	}
	return &Receiver{Crypto: c, CorpID: corpID, AgentID: agentID, MaxSkew: DefaultMaxSkew, Now: time.Now}, nil
}

func (r *Receiver) checkTimestamp(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrMalformed, ts)
	}
	if r.MaxSkew <= 0 {
		return nil
	}
	if d := r.Now().Sub(time.Unix(sec, 0)); d > r.MaxSkew || d < -r.MaxSkew {
		return ErrStale
	}
	return nil
}

func required(q url.Values, names ...string) error {
	for _, n := range names {
		if q.Get(n) == "" {
			return fmt.Errorf("%w: no %s", ErrMalformed, n)
		}
	}
	return nil
}

// VerifyURL answers the URL verification: it checks the signature over
// echostr, decrypts it and returns the plaintext to be sent back as is.
// (url.Values are already URL-decoded, as the docs require.)
func (r *Receiver) VerifyURL(q url.Values) ([]byte, error) {
	if err := required(q, "msg_signature", "timestamp", "nonce", "echostr"); err != nil {
		return nil, err
	}
	if err := r.Crypto.Verify(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")); err != nil {
		return nil, err
	}
	if err := r.checkTimestamp(q.Get("timestamp")); err != nil {
		return nil, err
	}
	return r.Crypto.Decrypt(q.Get("echostr"))
}

type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
	AgentID    string   `xml:"AgentID"`
}

// Open checks a POSTed callback (signature, timestamp, receiver, app) and
// returns the message it carries.
func (r *Receiver) Open(q url.Values, body []byte) (*Inbound, error) {
	if err := required(q, "msg_signature", "timestamp", "nonce"); err != nil {
		return nil, err
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return nil, fmt.Errorf("%w: no Encrypt in the body", ErrMalformed)
	}
	if err := r.Crypto.Verify(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), env.Encrypt); err != nil {
		return nil, err
	}
	if err := r.checkTimestamp(q.Get("timestamp")); err != nil {
		return nil, err
	}
	if env.ToUserName != "" && env.ToUserName != r.CorpID {
		return nil, ErrReceiveID
	}
	plain, err := r.Crypto.Decrypt(env.Encrypt)
	if err != nil {
		return nil, err
	}
	m, err := ParseInbound(plain)
	if err != nil {
		return nil, err
	}
	if m.CorpID != r.CorpID {
		return nil, ErrReceiveID
	}
	if r.AgentID != 0 {
		if a := strings.TrimSpace(env.AgentID); a != "" && a != strconv.FormatInt(r.AgentID, 10) {
			return nil, ErrOtherApp
		}
		if m.AgentID != 0 && m.AgentID != r.AgentID {
			return nil, ErrOtherApp
		}
	}
	return m, nil
}

type cdata struct {
	Text string `xml:",cdata"`
}

type sealed struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata    `xml:"Encrypt"`
	MsgSignature cdata    `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        cdata    `xml:"Nonce"`
}

// Seal encrypts a passive reply (被动回复消息) as the response body:
// <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
func (r *Receiver) Seal(plain []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := r.Crypto.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	return xml.Marshal(sealed{Encrypt: cdata{enc}, MsgSignature: cdata{r.Crypto.Signature(timestamp, nonce, enc)},
		TimeStamp: timestamp, Nonce: cdata{nonce}})
}

// OpenReply checks and decrypts a sealed passive reply (what WeCom does with
// the callback's response body).
func OpenReply(c *Crypto, body []byte) ([]byte, error) {
	var s struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &s); err != nil || s.Encrypt == "" {
		return nil, fmt.Errorf("%w: not a sealed reply", ErrMalformed)
	}
	if err := c.Verify(s.MsgSignature, s.TimeStamp, s.Nonce, s.Encrypt); err != nil {
		return nil, err
	}
	return c.Decrypt(s.Encrypt)
}

// Handler serves the callback URL: the URL verification on GET, messages
// on POST. A message is handed to Handle; its error makes the answer 500,
// so that WeCom delivers the message again (Handle must apply a message
// once however often it comes: Inbound.DedupeKey). A forged, stale or
// misaddressed callback gets 403, a malformed one 400, and neither reaches
// Handle.
type Handler struct {
	Receiver *Receiver
	Handle   func(ctx context.Context, m *Inbound) error
	Log      *slog.Logger
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func refusalStatus(err error) int {
	switch {
	case errors.Is(err, ErrSignature), errors.Is(err, ErrReceiveID), errors.Is(err, ErrOtherApp), errors.Is(err, ErrStale):
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		plain, err := h.Receiver.VerifyURL(q)
		if err != nil {
			h.log().Warn("wecom callback: URL verification refused", "remote", r.RemoteAddr, "err", err)
			http.Error(w, http.StatusText(refusalStatus(err)), refusalStatus(err))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(plain)
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
		if err != nil {
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return
		}
		m, err := h.Receiver.Open(q, body)
		if err != nil {
			h.log().Warn("wecom callback: refused", "remote", r.RemoteAddr, "err", err)
			http.Error(w, http.StatusText(refusalStatus(err)), refusalStatus(err))
			return
		}
		if err := h.Handle(r.Context(), m); err != nil {
			h.log().Error("wecom callback: not applied; WeCom will deliver it again", "type", m.Type, "event", m.Event, "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK) // an empty body: no passive reply
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}
