// Checks the packaged .vsix (dist/eventline.vsix, built by `npm run package`): what ships and what must not.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yauzl from 'yauzl';

const VSIX = path.resolve(__dirname, '../../dist/eventline.vsix');

function entries(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => { out.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('packaged .vsix', () => {
  let files: Map<string, Buffer>;
  before(async function () {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run "npm run package" first`);
    files = await entries(VSIX);
  });

  it('ships the bundles, manifest, schema, icons and README', () => {
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/local.js', 'extension/schemas/eventline.schema.json', 'extension/media/icon.png', 'extension/media/eventline.svg', 'extension/readme.md']) {
      assert.ok([...files.keys()].some((k) => k.toLowerCase() === f.toLowerCase()), `${f} is in the package`);
    }
  });

  it('has no sources, tests, source maps, node_modules or local data', () => {
    const bad = [...files.keys()].filter((f) => /^extension\/(src|test|node_modules|\.eventline-local|\.ci|scripts)\//.test(f) || /\.(ts|map)$/.test(f) || /(^|\/)\.env/.test(f) || /\.test\./.test(f));
    assert.deepEqual(bad, []);
  });

  it('contains no key, connection string with a real key, or private key', () => {
    // A PEM block with a body: bundled TLS libraries legitimately contain the bare private-key header text.
    const secret = /-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{64,}-----END|AccountKey=[A-Za-z0-9+/]{30,}|SharedAccessKey=(?!SAS_KEY_VALUE)[A-Za-z0-9+/]{30,}/;
    for (const [name, data] of files) assert.doesNotMatch(data.toString('latin1'), secret, name);
  });

  it('ships bundles without source-map references', () => {
    const ext = files.get('extension/dist/extension.js')!.toString('utf8');
    assert.ok(!ext.includes('//# sourceMappingURL'), 'no source map reference');
  });
});
