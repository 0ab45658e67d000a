"""WeChat's message signatures and 安全模式 encryption, exactly as WeChat defines them.

- signature     = sha1(sorted(token, timestamp, nonce))                    (URL check, plaintext mode)
- msg_signature = sha1(sorted(token, timestamp, nonce, encrypt))           (安全模式)
- encrypt = base64(AES-256-CBC(key, iv=key[:16], pkcs7_32(random16 + len(msg) as 4 bytes big-endian + msg + appid)))
  with key = base64decode(EncodingAESKey + "=") and PKCS#7 padding to blocks of 32 bytes (not AES's 16).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """A signature that does not match, or a payload that does not decrypt to this app's message."""


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(sign(*parts), (expected or "").lower())


def pkcs7_pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes) -> bytes:
    amount = data[-1] if data else 0
    if not 1 <= amount <= BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("填充不正确")
    return data[:-amount]


class MessageCrypto:
    def __init__(self, token: str, encoding_aes_key: str, appid: str):
        try:
            key = base64.b64decode(encoding_aes_key + "=")
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("EncodingAESKey 不是有效的 43 位 Base64 字符串") from exc
        if len(key) != 32:
            raise CryptoError("EncodingAESKey 应为 43 位，解码后 32 字节")
        self.token, self.key, self.appid = token, key, appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        body = message.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.appid.encode()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("密文不是有效的 Base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("密文长度不正确")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("明文长度不正确")
        (length,) = struct.unpack(">I", plain[16:20])
        message, appid = plain[20:20 + length], plain[20 + length:]
        if len(message) != length:
            raise CryptoError("明文长度不正确")
        if not hmac.compare_digest(appid, self.appid.encode()):
            raise CryptoError("AppID 不匹配")
        try:
            return message.decode()
        except UnicodeDecodeError as exc:
            raise CryptoError("明文不是 UTF-8") from exc

    def msg_signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return sign(self.token, timestamp, nonce, encrypted)
