"""Random prompt generator for the tokenizer test vectors: words, punctuation, digits, every kind of whitespace,
combining marks, NFD text, Hangul jamo, CJK, kana, emoji sequences, many scripts, control characters, special-token
literals and contractions."""
import unicodedata


def make(rng, count):
    words = "a photo of cat dog astronaut riding horse moon the in on it's don't they're we've I'm you'll he'd CAFÉ naïve Zürich ΟΔΥΣΣΕΥΣ ΣΊΣΥΦΟΣ ΑΣ İstanbul DİYARBAKIR ǅemal ﬁne ＦＵＬＬ ①②③ ½ ¼ Ⅻ ㎏ ㈱ ℃ ™ ﬀ ẞ straße Ǆ ǈ".split()
    pools = [
        lambda: rng.choice(words),
        lambda: ''.join(rng.choice('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') for _ in range(rng.randint(1,12))),
        lambda: ''.join(rng.choice("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") for _ in range(rng.randint(1,4))),
        lambda: ''.join(rng.choice('0123456789') for _ in range(rng.randint(1,6))),
        lambda: rng.choice([' ','  ','\t','\n','\r\n','\r','\x0b','\x0c','\xa0','\u2003','\u3000','\u2028','\u2029','\x85','\u180e','\u200b','\u200d','\ufeff','\u202f','\u205f','\u1680',' \u00a0 ','\x1c','\x1f']),
        lambda: chr(rng.choice([0x301,0x308,0x323,0x327,0x30a,0x342,0x345,0x313,0x5b4,0x93c,0x94d,0x1ab0,0x20d0,0x302,0x303,0x328,0x31b,0x345,0x3099,0x309a,0x1d165,0x1d16d,0x0f71,0x0f72,0x0f74])),
        lambda: unicodedata.normalize('NFD', rng.choice(['é','ñ','Å','ǖ','ḗ','ệ','ự','Ǻ','ᾏ','ώ','ῷ','가','각','힣','ガ','パ','ﬁ','ṩ','ḉ','Ǭ'])),
        lambda: rng.choice(['\u1100\u1161','\u1100\u1161\u11a8','\u1112\u1175\u11c2','\u110b\u1173','\u1100','\u1161\u11a8']),
        lambda: ''.join(chr(rng.randint(0x4e00,0x9fff)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0xac00,0xd7a3)) for _ in range(rng.randint(1,4))),
        lambda: ''.join(chr(rng.randint(0x3040,0x30ff)) for _ in range(rng.randint(1,4))),
        lambda: rng.choice(['👩\u200d🚀','👍🏽','🇯🇵','🇺🇸🇫🇷','👨\u200d👩\u200d👧\u200d👦','🏖️','❤️','☺︎','✌🏿','🧑🏻\u200d🎄','😀😃','#️⃣','1️⃣','🏳️\u200d🌈','©','®']),
        lambda: ''.join(chr(rng.randint(0x0900,0x097f)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0x0e00,0x0e7f)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0x0600,0x06ff)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0x0370,0x03ff)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0x0400,0x04ff)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0xff00,0xffef)) for _ in range(rng.randint(1,5))),
        lambda: ''.join(chr(rng.randint(0x2000,0x2bff)) for _ in range(rng.randint(1,3))),
        lambda: ''.join(chr(rng.randint(0xf900,0xfaff)) for _ in range(rng.randint(1,3))),
        lambda: ''.join(chr(rng.randint(0x1d400,0x1d7ff)) for _ in range(rng.randint(1,3))),
        lambda: ''.join(chr(rng.randint(0x2f00,0x2fdf)) for _ in range(rng.randint(1,3))),
        lambda: ''.join(chr(rng.randint(0x20,0x24f)) for _ in range(rng.randint(1,6))),
        lambda: ''.join(chr(rng.randint(0x0,0x1f)) for _ in range(rng.randint(1,2))),
        lambda: ''.join(chr(c) for c in (rng.randint(0x80,0xd7ff) for _ in range(rng.randint(1,3)))),
        lambda: ''.join(chr(c) for c in (rng.randint(0xe000,0xfffd) for _ in range(rng.randint(1,3)))),
        lambda: ''.join(chr(c) for c in (rng.randint(0x10000,0x10ffff) for _ in range(rng.randint(1,2)))),
        lambda: rng.choice(['<|startoftext|>','<|endoftext|>','<|ENDOFTEXT|>','<|endoftext','</s>','<pad>','<unk>','<extra_id_0>','<extra_id_99>','<extra_id_1','<s>','</S>','＜/s＞','<|startoftext|><|endoftext|>','▁','▁▁',' ▁ ']),
        lambda: rng.choice(["'s","'S","'ll","'re","'ve","'d","'m","'t","''s","!'s","’s","'"]),
]

    def prompt():
        parts = []
        for _ in range(rng.randint(0, 25)):
            parts.append(rng.choice(pools)())
            if rng.random() < 0.6:
                parts.append(' ')
        return ''.join(parts)

    texts = [prompt() for _ in range(count)]
    return [t for t in texts if not any(0xD800 <= ord(c) <= 0xDFFF for c in t)]
