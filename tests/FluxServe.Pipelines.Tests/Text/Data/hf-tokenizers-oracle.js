// HF `tokenizers` (Rust crate 0.22.2 through npm @anush008/tokenizers@0.6.0) as a test oracle.
// usage: node hf-tokenizers-oracle.js <tokenizer.json> < prompts.jsonl  -> one JSON array of ids per line (unpadded)
const { Tokenizer } = require('@anush008/tokenizers');
const tok = Tokenizer.fromFile(process.argv[2]);
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(l => l.length);
(async () => {
  const out = [];
  for (const l of lines) { const e = await tok.encode(JSON.parse(l)); out.push(JSON.stringify(e.getIds())); }
  process.stdout.write(out.join('\n') + '\n');
})();
