# HF's slow CLIPTokenizer without ftfy (transformers' BasicTokenizer path, which ComfyUI runs), restated in Python
# on Python's unicodedata / str.lower / `regex` module, as an independent reference for ClipTextNormalization.ComfyUi.
# The BPE cache is seeded with the two special literals, as transformers and openai/CLIP seed theirs.
import json, os, sys, unicodedata, regex as re
TOKENIZERS = os.environ.get('FLUXSERVE_TOKENIZERS', '../../../../../shared/tokenizers')
vocab = json.load(open(f'{TOKENIZERS}/clip-l/vocab.json', encoding='utf-8'))
merges = open(f'{TOKENIZERS}/clip-l/merges.txt', encoding='utf-8').read().strip().split('\n')[1:49152-256-2+1]
ranks = {tuple(m.split()): i for i, m in enumerate(merges)}
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1)) + list(range(ord("¡"), ord("¬")+1)) + list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]; n = 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256+n); n += 1
    return dict(zip(bs, map(chr, cs)))
be = bytes_to_unicode()
pat = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", re.IGNORECASE)
def is_ws(c): return c in ' \t\n\r' or unicodedata.category(c) == 'Zs'
def is_ctrl(c):
    if c in '\t\n\r': return False
    return unicodedata.category(c).startswith('C')
def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)
def basic(text):
    out = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or is_ctrl(c): continue
        out.append(' ' if is_ws(c) else c)
    text = ''.join(out)
    text = ''.join(' %s ' % c if is_cjk(ord(c)) else c for c in text)
    text = unicodedata.normalize('NFC', text)
    toks = [t.lower() for t in text.strip().split()]
    return ' '.join(' '.join(toks).strip().split())
def bpe(token):
    if token in ('<|startoftext|>','<|endoftext|>'): return (token,)
    word = tuple(token[:-1]) + (token[-1] + '</w>',)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        big = min(pairs, key=lambda p: ranks.get(p, float('inf')))
        if big not in ranks: break
        a, b = big; nw = []; i = 0
        while i < len(word):
            try: j = word.index(a, i)
            except ValueError: nw.extend(word[i:]); break
            nw.extend(word[i:j]); i = j
            if word[i] == a and i < len(word)-1 and word[i+1] == b: nw.append(a+b); i += 2
            else: nw.append(word[i]); i += 1
        word = tuple(nw)
    return word
specials = re.compile(r'(<\|startoftext\|>|<\|endoftext\|>)')
def encode(text):
    ids = [49406]
    for seg in specials.split(text):
        if seg in ('<|startoftext|>', '<|endoftext|>'): ids.append(vocab[seg]); continue
        if not seg: continue
        for tok in pat.findall(basic(seg)):
            t = ''.join(be[b] for b in tok.encode('utf-8'))
            ids.extend(vocab.get(s, 49407) for s in bpe(t))
    return ids + [49407]
if __name__ == '__main__':
    for l in sys.stdin:
        if l.strip(): print(json.dumps(encode(json.loads(l))))
