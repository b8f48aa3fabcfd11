/** The leads CSV format on its own: RFC 4180 cells, formula neutralisation and its undoing, and the parser's edges. */
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine, neutralise, parseCsv, restore } from '../../src/contacts/lead-csv.js';
import { AppError } from '../../src/errors.js';

describe('leads CSV format', () => {
  it('prefixes a quote to every cell a spreadsheet would run as a formula, and only to those', () => {
    for (const formula of ['=1+1', '+1 555', '-2', '@SUM(A1)', '\tTabbed', '\rCR first']) {
      expect(neutralise(formula)).to.equal(`'${formula}`);
    }
    for (const plain of ['Ana', '1+1', 'a=b', "'quoted", "'", '', ' =1', 'é=', '東京']) {
      expect(neutralise(plain)).to.equal(plain);
    }
    // Text that already looks neutralised gets one more quote, so the import's stripping of one gives it back.
    expect(neutralise("'=already")).to.equal("''=already");
    expect(neutralise("''-2")).to.equal("'''-2");
  });

  it('restore undoes exactly one neutralisation, for any text', () => {
    const texts = ['=HYPERLINK("http://evil","x")', '+1', '-2', '@x', '\tt', '\rr', "'=a", "''=a", "'plain", "'", "''", 'plain', ''];
    for (const text of texts) expect(restore(neutralise(text)), JSON.stringify(text)).to.equal(text);
    expect(restore("'plain")).to.equal("'plain");
    expect(restore("''=a")).to.equal("'=a");
  });

  it('quotes a cell holding a quote, a comma, CR or LF, doubling its quotes; null is an empty cell', () => {
    expect(csvCell(null)).to.equal('');
    expect(csvCell('plain text')).to.equal('plain text');
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('one\ntwo')).to.equal('"one\ntwo"');
    expect(csvCell('one\r\ntwo')).to.equal('"one\r\ntwo"');
    expect(csvCell('=HYPERLINK("http://evil","x")')).to.equal('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell('\rstarts with CR')).to.equal('"\'\rstarts with CR"');
    expect(csvLine(['a', null, 'b,c'])).to.equal('a,,"b,c"\r\n');
  });

  it('what csvLine writes, an independent RFC 4180 parser reads back cell for cell', () => {
    const cells = ['=1', 'x,y', '"q"', 'l1\r\nl2', 'Zoë Ðuković 東京 🙂', '', "'=x", '\ttab'];
    const [record] = parse(csvLine(cells)) as string[][];
    expect(record!.map(restore)).to.deep.equal(cells);
  });

  it('parseCsv keeps multi-byte characters whole across its 64 KiB chunks', async () => {
    const cell = 'Zoë Ðuković 東京 🙂'.repeat(40);
    const lines = ['fullname,note', ...Array.from({ length: 400 }, (_, i) => `${cell}${i},"${cell}\r\n${i}"`)];
    const records = await parseCsv(`\uFEFF${lines.join('\r\n')}\r\n`);
    expect(Buffer.byteLength(lines.join('\r\n'))).to.be.greaterThan(3 * 64 * 1024);
    expect(records).to.have.length(401);
    expect(records[0]).to.deep.equal(['fullname', 'note']); // the BOM is gone
    records.slice(1).forEach((record, i) => expect(record).to.deep.equal([`${cell}${i}`, `${cell}\r\n${i}`]));
  });

  it('parseCsv keeps blank lines as one empty cell and refuses broken quoting with the line', async () => {
    expect(await parseCsv('a,b\r\n\r\n1,2\r\n3\r\n')).to.deep.equal([['a', 'b'], [''], ['1', '2'], ['3']]);
    expect(await parseCsv('a,b\n1,2\n')).to.deep.equal([['a', 'b'], ['1', '2']]);
    for (const [text, line] of [['a,b\r\n1,2\r\n"open,3\r\n', 'line 4'], ['a,b\r\nx"y,2\r\n', 'line 2']] as const) {
      const err = await parseCsv(text).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).code).to.equal('VALIDATION_FAILED');
      expect(JSON.stringify((err as AppError).details)).to.include(line);
    }
  });
});
