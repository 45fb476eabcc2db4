// Package wecom speaks WeCom's (企业微信) server API for a self-built app
// (企业自建应用), as much of it as tianbao needs, from the official
// documentation at developer.work.weixin.qq.com (each rule cites its page):
//
//   - the access token (gettoken), cached, shared, renewed early, and
//     replaced when WeCom refuses it (40014, 42001, 40001);
//   - application messages (message/send): text, text cards and
//     button-interaction template cards, every documented field limit
//     checked before sending; rate limits, busy answers and unreachable
//     members as typed errors (errors.go) with retry semantics;
//   - web OAuth: the authorize link and the code → UserID exchange
//     (auth/getuserinfo); the app's details (agent/get) for doctor;
//   - the callback URL: URL verification, msg_signature, AES-256-CBC
//     (crypto.go), messages and events parsed and keyed for deduplication
//     (inbound.go), an http.Handler (callback.go).
//
// Nothing here depends on the rest of tianbao. wecomtest is a strict fake
// of WeCom's side for tests.
//
// Why not github.com/silenceper/wechat/v2 (v2.1.10, 2025-10): its work
// package hard-codes https://qyapi.weixin.qq.com in every call (no test
// server), sends messages without a context and has no text card or
// template card types, no field limits, no typed rate-limit or
// invalid-user answers and no retry on a refused token; its OAuth link
// fixes state to "STATE"; importing its work/message pulls in go-redis v8
// and gomemcache through its token cache. The protocol itself is small: the
// crypto is ~100 lines of the standard library, checked here against the
// official samples' vectors.
package wecom
