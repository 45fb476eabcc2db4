package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// The official samples' vectors. The WeCom team's Go sample
// (github.com/sbzhu/weworkapi_golang, sample.go, linked from 加解密方案说明)
// gives a URL verification and a message as WeCom sent them, with the
// token, EncodingAESKey and corp ID that produced them.
const (
	sampleToken   = "QDG6eK"
	sampleAESKey  = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sampleCorpID  = "wx5823bf96d3bd56c7"
	sampleEchoSig = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	sampleEchoTS  = "1409659589"
	sampleEchoNon = "263014780"
	sampleEchoStr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	sampleMsgSig  = "477715d11cdb4164915debcba66cb864d751f3e6"
	sampleMsgTS   = "1409659813"
	sampleMsgNon  = "1372623149"
	sampleMsgEnc  = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

func sampleCrypto(t *testing.T) *Crypto {
	t.Helper()
	c, err := NewCrypto(sampleToken, sampleAESKey, sampleCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOfficialURLVerificationVector(t *testing.T) {
	c := sampleCrypto(t)
	if err := c.Verify(sampleEchoSig, sampleEchoTS, sampleEchoNon, sampleEchoStr); err != nil {
		t.Fatalf("the sample's signature: %v", err)
	}
	if got := c.Signature(sampleEchoTS, sampleEchoNon, sampleEchoStr); got != sampleEchoSig {
		t.Fatalf("signature %s, the sample's %s", got, sampleEchoSig)
	}
	echo, err := c.Decrypt(sampleEchoStr)
	if err != nil {
		t.Fatal(err)
	}
	if string(echo) != "1616140317555161061" {
		t.Fatalf("echostr decrypts to %q", echo)
	}
}

func TestOfficialMessageVector(t *testing.T) {
	c := sampleCrypto(t)
	if err := c.Verify(sampleMsgSig, sampleMsgTS, sampleMsgNon, sampleMsgEnc); err != nil {
		t.Fatalf("the sample's signature: %v", err)
	}
	plain, err := c.Decrypt(sampleMsgEnc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseInbound(plain)
	if err != nil {
		t.Fatalf("%v in %s", err, plain)
	}
	want := Inbound{CorpID: sampleCorpID, UserID: "mycreate", CreateTime: 1409659813, Type: TypeText, Content: "hello",
		MsgID: "4561255354251345929", AgentID: 218}
	if m.CorpID != want.CorpID || m.UserID != want.UserID || m.CreateTime != want.CreateTime || m.Type != want.Type ||
		m.Content != want.Content || m.MsgID != want.MsgID || m.AgentID != want.AgentID {
		t.Fatalf("parsed %+v, want %+v", *m, want)
	}
	// The same message decrypted with the right key but for another corp.
	other, _ := NewCrypto(sampleToken, sampleAESKey, "wwanothercorp")
	if _, err := other.Decrypt(sampleMsgEnc); !errors.Is(err, ErrReceiveID) {
		t.Fatalf("another receiver: %v, want ErrReceiveID", err)
	}
}

// The official Java sample's test (WXBizMsgCryptTest, shipped with the
// WeChat message encryption samples: the same scheme, an AppId as the
// ReceiveId) fixes the random bytes and gives the ciphertext.
func TestOfficialEncryptionVector(t *testing.T) {
	c, err := NewCrypto("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
	if err != nil {
		t.Fatal(err)
	}
	got := c.encryptWith([]byte("aaaabbbbccccdddd"), []byte("我是中文abcd123"))
	const want = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	if got != want {
		t.Fatalf("ciphertext\n%s\nwant\n%s", got, want)
	}
	back, err := c.Decrypt(want)
	if err != nil || string(back) != "我是中文abcd123" {
		t.Fatalf("decrypted %q, %v", back, err)
	}
}

func TestRoundTripEveryPadding(t *testing.T) {
	c := sampleCrypto(t)
	// 16 + 4 + n + 18 (the corp ID): every remainder modulo 32, a full pad
	// block included (n = 26).
	for n := 0; n <= 70; n++ {
		msg := bytes.Repeat([]byte("填"), n/3+1)[:n]
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(enc)
		if len(raw)%32 != 0 {
			t.Fatalf("n=%d: ciphertext of %d bytes, not padded to 32", n, len(raw))
		}
		got, err := c.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("n=%d: %q, %v", n, got, err)
		}
	}
	a, _ := c.Encrypt([]byte("same"))
	b, _ := c.Encrypt([]byte("same"))
	if a == b {
		t.Fatal("two encryptions of one message are equal: the random prefix is not random")
	}
}

func TestDecryptRefusesTampering(t *testing.T) {
	c := sampleCrypto(t)
	enc, _ := c.Encrypt([]byte("<xml><Content>5</Content></xml>"))
	raw, _ := base64.StdEncoding.DecodeString(enc)
	for _, tc := range []struct {
		name string
		ct   string
	}{
		{"not base64", "%%%"},
		{"empty", ""},
		{"not whole blocks", base64.StdEncoding.EncodeToString(raw[:len(raw)-1])},
		{"a block short", base64.StdEncoding.EncodeToString(raw[:len(raw)-16])},
		{"last byte flipped", base64.StdEncoding.EncodeToString(flip(raw, len(raw)-1))},
		{"length field flipped", base64.StdEncoding.EncodeToString(flip(raw, 1))}, // garbles block 0 and byte 17 of the plaintext's length
	} {
		if _, err := c.Decrypt(tc.ct); err == nil {
			t.Errorf("%s: decrypted", tc.name)
		}
	}
	// A well-padded message whose length field overruns it, and one with a
	// pad byte that lies about its neighbours.
	for _, plain := range [][]byte{
		append(append(make([]byte, 16), 0, 0, 1, 0), append([]byte("x"), bytes.Repeat([]byte{11}, 11)...)...),        // 32 bytes
		append(append(make([]byte, 16), 0, 0, 0, 1), append([]byte("x"+sampleCorpID), 9, 9, 9, 9, 9, 9, 9, 8, 9)...), // 48 bytes
	} {
		if _, err := c.Decrypt(rawEncrypt(c, plain)); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%x: %v, want ErrDecrypt", plain, err)
		}
	}
}

// rawEncrypt encrypts whole blocks as they are (no layout, no padding).
func rawEncrypt(c *Crypto, plain []byte) string {
	if len(plain)%aes.BlockSize != 0 {
		panic("rawEncrypt: not whole blocks")
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x01
	return out
}

func TestForgedSignatureRefused(t *testing.T) {
	c := sampleCrypto(t)
	forged, _ := NewCrypto("not-the-token", sampleAESKey, sampleCorpID)
	if err := c.Verify(forged.Signature(sampleMsgTS, sampleMsgNon, sampleMsgEnc), sampleMsgTS, sampleMsgNon, sampleMsgEnc); !errors.Is(err, ErrSignature) {
		t.Fatalf("signed with another token: %v", err)
	}
	for _, tc := range [][4]string{
		{sampleMsgSig, "1409659814", sampleMsgNon, sampleMsgEnc},                 // another timestamp
		{sampleMsgSig, sampleMsgTS, "1372623148", sampleMsgEnc},                  // another nonce
		{sampleMsgSig, sampleMsgTS, sampleMsgNon, sampleEchoStr},                 // another message
		{strings.ToUpper(sampleMsgSig), sampleMsgTS, sampleMsgNon, sampleMsgEnc}, // WeCom signs in lower case
		{"", sampleMsgTS, sampleMsgNon, sampleMsgEnc},
	} {
		if err := c.Verify(tc[0], tc[1], tc[2], tc[3]); !errors.Is(err, ErrSignature) {
			t.Errorf("%v: %v, want ErrSignature", tc, err)
		}
	}
}

func TestAESKeyChecked(t *testing.T) {
	for _, key := range []string{
		"",
		sampleAESKey[:42],
		sampleAESKey + "A",
		sampleAESKey[:42] + "+",  // base64 but not the documented alphabet
		sampleAESKey[:42] + "==", // 44
	} {
		if _, err := NewCrypto(sampleToken, key, sampleCorpID); err == nil {
			t.Errorf("%q accepted", key)
		}
	}
	if _, err := NewCrypto("", sampleAESKey, sampleCorpID); err == nil {
		t.Error("an empty token accepted")
	}
	if _, err := NewCrypto(sampleToken, sampleAESKey, ""); err == nil {
		t.Error("an empty corp ID accepted")
	}
}
