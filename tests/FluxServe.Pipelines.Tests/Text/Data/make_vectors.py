#!/usr/bin/env python3
"""Regenerates the test vectors in this folder (run from this folder).

* nfc-vectors.txt            NFC by Python's unicodedata (an independent implementation of UAX #15).
* python-lower-vectors.txt   Python str.lower() on words with capital sigma / dotted I.
* hf-clip-vectors.jsonl,
  hf-t5-vectors.jsonl        ids from the HF `tokenizers` Rust crate 0.22.2 (npm @anush008/tokenizers@0.6.0, the
                             engine and build that produced the tokenizer-clip / tokenizer-t5 fixtures) for random
                             prompts; needs `npm install @anush008/tokenizers@0.6.0` beside hf-tokenizers-oracle.js.
* comfyui-clip-vectors.jsonl ids from slow_clip_reference.py: HF's slow CLIPTokenizer without ftfy (ComfyUI's
                             path) re-stated in Python on Python's unicodedata / str.lower / `regex` module, because
                             the transformers package is not installable here. Only assigned code points are used
                             (Unicode version differences between Python and .NET are not the point of the test).
"""
import json, random, subprocess, sys, unicodedata, os

TOKENIZERS = os.environ.get('FLUXSERVE_TOKENIZERS', '../../../../../shared/tokenizers')


def nfc_vectors(rng):
    lines = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        d = unicodedata.decomposition(c)
        if (d and not d.startswith('<')) or unicodedata.combining(c):
            lines.append((c, unicodedata.normalize('NFC', c)))
            nfd = unicodedata.normalize('NFD', c)
            if nfd != c:
                lines.append((nfd, unicodedata.normalize('NFC', nfd)))
    marks = [chr(c) for c in range(0x300, 0x370)] + ['\u0591', '\u05b0', '\u0654', '\u093c', '\u094d', '\u0f71', '\u0f72',
             '\u0f74', '\u302a', '\u3099', '\u309a', '\U0001d165', '\U0001d16d', '\u1dc0', '\u20d0', '\u0345', '\u0982', '\u09be',
             '\u09d7', '\u0b3e', '\u0b56', '\u0b57', '\u0cc2', '\u0cd5', '\u0d3e', '\u0dca', '\u0dcf', '\u102e', '\U000110ba', '\U00011127']
    starters = list('aeiouAEIOUnNcCsSwyzkgGlLrR') + ['\u0391', '\u03b1', '\u03c9', '\u1f00', '\u0415', '\u0438', '\u0627', '\u0648',
                '\u09c7', '\u0b47', '\u0bc6', '\u0cc6', '\u0d46', '\u0dd9', '\u1025', '\u3046', '\u30a6', '\u306f', '\u30cf', '\u1100',
                '\u1161', '\u11a8', '\uac00', '\uac01', '\u1112', '\u1175', '\U00011099', '\U00011131', '\u00e9', '\u1e9b', '\u212b', '\u2126']
    for _ in range(4000):
        s = ''.join(rng.choice(marks) if rng.random() < 0.5 else rng.choice(starters) for _ in range(rng.randint(1, 7)))
        lines.append((s, unicodedata.normalize('NFC', s)))
    hexes = lambda s: ' '.join(f'{ord(c):04X}' for c in s)
    with open('nfc-vectors.txt', 'w') as f:
        f.write(f'# input code points <TAB> NFC code points; Python {sys.version.split()[0]} unicodedata, Unicode {unicodedata.unidata_version}\n')
        for a, b in lines:
            f.write(f'{hexes(a)}\t{hexes(b)}\n')


def lower_vectors(rng):
    pieces = ['\u03a3', '\u03a3', 'A', '\u0391', 'a', "'", '.', '\u0301', '\u00ad', ':', '\u02b9', '1', '\u0130', 'I', '\u0345', '\u1f88', '\u10a0', 'Z']
    words = ['\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3', '\u03a3', '\u0391\u03a3', '\u03a3\u0391', '\u0391\u03a3.', "\u0391\u03a3'\u0391",
             '\u0391\u0301\u03a3', 'D\u0130YARBAKIR', '\u0130stanbul']
    for _ in range(600):
        words.append(''.join(rng.choice(pieces) for _ in range(rng.randint(1, 6))))
    hexes = lambda s: ' '.join(f'{ord(c):04X}' for c in s)
    with open('python-lower-vectors.txt', 'w') as f:
        f.write(f'# word code points <TAB> Python str.lower() code points; Python {sys.version.split()[0]}\n')
        for w in words:
            f.write(f'{hexes(w)}\t{hexes(w.lower())}\n')


def clip_tokenizer_json(path):
    """The tokenizer.json transformers' CLIPConverter builds from vocab.json + merges.txt (as the fixture did)."""
    vocab = json.load(open(f'{TOKENIZERS}/clip-l/vocab.json', encoding='utf-8'))
    merges = open(f'{TOKENIZERS}/clip-l/merges.txt', encoding='utf-8').read().strip().split('\n')[1:49152 - 256 - 2 + 1]
    special = lambda i, c: {'id': i, 'content': c, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': True, 'special': True}
    tok = {'version': '1.0', 'truncation': None, 'padding': None,
           'added_tokens': [special(49406, '<|startoftext|>'), special(49407, '<|endoftext|>')],
           'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'NFC'}, {'type': 'Replace', 'pattern': {'Regex': '\\s+'}, 'content': ' '},
                                                              {'type': 'Lowercase'}]},
           'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
               {'type': 'Split', 'pattern': {'Regex': "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"}, 'behavior': 'Removed', 'invert': True},
               {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}]},
           'post_processor': {'type': 'RobertaProcessing', 'sep': ['<|endoftext|>', 49407], 'cls': ['<|startoftext|>', 49406],
                              'trim_offsets': False, 'add_prefix_space': False},
           'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
           'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<|endoftext|>', 'continuing_subword_prefix': '', 'end_of_word_suffix': '</w>',
                     'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False, 'vocab': vocab, 'merges': [m.split(' ') for m in merges]}}
    json.dump(tok, open(path, 'w', encoding='utf-8'), ensure_ascii=False)


def main():
    rng = random.Random(20240601)
    nfc_vectors(rng)
    lower_vectors(rng)
    sys.path.insert(0, '.')
    import fuzz_prompts
    prompts = fuzz_prompts.make(rng, 300)
    clip_json = '/tmp/fluxserve-clip-tokenizer.json'
    clip_tokenizer_json(clip_json)
    for kind, tokenizer_json in (('clip', clip_json), ('t5', f'{TOKENIZERS}/t5/tokenizer.json')):
        r = subprocess.run(['node', 'hf-tokenizers-oracle.js', tokenizer_json], input='\n'.join(json.dumps(p) for p in prompts) + '\n',
                           capture_output=True, text=True, check=True)
        ids = [json.loads(l) for l in r.stdout.strip().split('\n')]
        with open(f'hf-{kind}-vectors.jsonl', 'w') as f:
            for p, i in zip(prompts, ids):
                f.write(json.dumps({'text': p, 'ids': i}) + '\n')
    from slow_clip_reference import encode
    assigned = [p for p in fuzz_prompts.make(rng, 400) if not any(unicodedata.category(c) == 'Cn' for c in p)][:300]
    with open('comfyui-clip-vectors.jsonl', 'w') as f:
        for p in assigned:
            f.write(json.dumps({'text': p, 'ids': encode(p)}) + '\n')


if __name__ == '__main__':
    main()
