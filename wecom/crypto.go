package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The callback's encryption, as 加解密方案说明 describes it
// (https://developer.work.weixin.qq.com/document/path/91144; the same
// page for self-built apps is 90968):
//
//   - msg_signature = hex(SHA1(the token, timestamp, nonce and the
//     encrypted message, sorted as strings and concatenated));
//   - AESKey = Base64_Decode(EncodingAESKey + "="), 32 bytes, from a
//     43-character EncodingAESKey of a-z, A-Z, 0-9;
//   - AES-256-CBC, IV = the key's first 16 bytes, PKCS#7 padding to a
//     multiple of 32 bytes (pad bytes 1–32);
//   - the plaintext is random(16) + msg_len(4, network order) + msg +
//     ReceiveId, and ReceiveId is the corp ID for a self-built app.
//
// Tested against the official samples' vectors (crypto_test.go).

// ErrSignature is a callback whose msg_signature does not match: forged,
// or signed with another token.
var ErrSignature = errors.New("wecom: callback signature does not match")

// ErrReceiveID is a callback that decrypts but names another receiver (a
// message for another organisation encrypted with the same key).
var ErrReceiveID = errors.New("wecom: callback is for another receiver (corp ID)")

// ErrDecrypt is an encrypted message that does not decrypt to the
// documented layout.
var ErrDecrypt = errors.New("wecom: callback does not decrypt")

const (
	encodingAESKeyLen = 43
	padBlock          = 32 // PKCS#7 padding to 32 bytes, as the docs (and the official libraries) do
	randomLen         = 16
)

// Crypto signs, encrypts and decrypts callback messages for one receiver.
type Crypto struct {
	token     string
	key       []byte
	block     cipher.Block
	receiveID string
	random    io.Reader
}

// NewCrypto takes the callback's Token and EncodingAESKey as the admin
// console shows them, and the ReceiveId: the corp ID for a self-built app.
func NewCrypto(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if token == "" {
		return nil, errors.New("wecom: the callback token is empty")
	}
	if receiveID == "" {
		return nil, errors.New("wecom: the receive ID (corp ID) is empty")
	}
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wecom: AES key: %w", err)
	}
	return &Crypto{token: token, key: key, block: block, receiveID: receiveID, random: rand.Reader}, nil
}

// DecodeAESKey checks an EncodingAESKey (43 characters of a-z, A-Z, 0-9)
// and returns the 32-byte AES key it encodes.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != encodingAESKeyLen {
		return nil, fmt.Errorf("wecom: the EncodingAESKey has %d characters, not 43", len(encodingAESKey))
	}
	for i := 0; i < len(encodingAESKey); i++ {
		if c := encodingAESKey[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return nil, fmt.Errorf("wecom: the EncodingAESKey has %q at %d; only a-z, A-Z and 0-9 are allowed", c, i+1)
		}
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wecom: the EncodingAESKey does not decode to a 32-byte key")
	}
	return key, nil
}

// Signature is msg_signature for the parts.
func (c *Crypto) Signature(timestamp, nonce, encrypted string) string {
	return Signature(c.token, timestamp, nonce, encrypted)
}

// Signature computes msg_signature: SHA1 over the token, timestamp, nonce
// and encrypted message sorted as strings and concatenated, in lower-case hex.
func Signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Verify checks msg_signature in constant time.
func (c *Crypto) Verify(msgSignature, timestamp, nonce, encrypted string) error {
	want := c.Signature(timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(msgSignature)) != 1 {
		return ErrSignature
	}
	return nil
}

// Encrypt returns msg_encrypt for a message: base64 of the AES-CBC
// encryption of random(16) + length + msg + ReceiveId, padded.
func (c *Crypto) Encrypt(msg []byte) (string, error) {
	var random [randomLen]byte
	if _, err := io.ReadFull(c.random, random[:]); err != nil {
		return "", fmt.Errorf("wecom: encrypt: %w", err)
	}
	return c.encryptWith(random[:], msg), nil
}

func (c *Crypto) encryptWith(random, msg []byte) string {
	n := randomLen + 4 + len(msg) + len(c.receiveID)
	pad := padBlock - n%padBlock // 1..32: a full block of padding when n is a multiple
	plain := make([]byte, 0, n+pad)
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.receiveID...)
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

// Decrypt opens msg_encrypt (or a URL verification's echostr) and returns
// msg. It checks the padding, the length field and that the ReceiveId is
// this receiver's; it does not check the signature (Verify does).
func (c *Crypto) Decrypt(encrypted string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, ErrDecrypt
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > padBlock || pad > len(plain) {
		return nil, ErrDecrypt
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, ErrDecrypt
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < randomLen+4 {
		return nil, ErrDecrypt
	}
	n := binary.BigEndian.Uint32(plain[randomLen : randomLen+4])
	rest := plain[randomLen+4:]
	if uint64(n) > uint64(len(rest)) {
		return nil, ErrDecrypt
	}
	if string(rest[n:]) != c.receiveID {
		return nil, ErrReceiveID
	}
	return rest[:n:n], nil
}
