/** Cell parsing: amounts with every quirk, dates in every layout, zones as exports and users write them. */
import { describe, expect, it } from 'vitest';
import {
  CSV_FORMATS,
  csvOperationMeaning,
  detectCsvFormat,
  parseCsvAmount,
  parseCsvWallTime,
  parseCsvZone,
} from '../../../connectors/index.js';

describe('parseCsvAmount', () => {
  it.each([
    ['0.0528450000BTC', false, { value: '0.052845', asset: 'BTC' }],
    ['"10 USDT"', false, { value: '10', asset: 'USDT' }],
    ['10.00000000 USDT', false, { value: '10', asset: 'USDT' }],
    ['387.81 EUR', false, { value: '387.81', asset: 'EUR' }],
    ['11,426.2000000000', false, { value: '11426.2', asset: undefined }],
    ['-3.605E-05', false, { value: '-0.00003605', asset: undefined }],
    ['6.0E-7', false, { value: '0.0000006', asset: undefined }],
    ['4.3E-7', false, { value: '0.00000043', asset: undefined }],
    ['£0.025', false, { value: '0.025', asset: undefined }],
    ['0,25', true, { value: '0.25', asset: undefined }],
    ['1.234,5', true, { value: '1234.5', asset: undefined }],
    ['0.5EOS', false, { value: '0.5', asset: 'EOS' }],
    ['1,000,000', false, { value: '1000000', asset: undefined }],
    // Non-ASCII asset names exist (CONTRACT §1, §6.14).
    ['12.5币安人生', false, { value: '12.5', asset: '币安人生' }],
    ['这是测试币456 3', false, { value: '3', asset: '这是测试币456' }],
  ] as const)('%s', (text, comma, want) => {
    expect(parseCsvAmount(text, comma)).toEqual(want);
  });

  it.each(['', 'lots', '1,5', '1..2', 'NaN', '--'])('%j is not an amount', (text) => {
    expect(parseCsvAmount(text)).toBeUndefined();
  });
});

describe('parseCsvWallTime', () => {
  const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number =>
    Date.UTC(y, mo - 1, d, h, mi, s);
  it.each([
    ['2021-10-19 22:12:47', utc(2021, 10, 19, 22, 12, 47), 'second'],
    ['26-04-28 17:35:10', utc(2026, 4, 28, 17, 35, 10), 'second'],
    ['2024-12-30', utc(2024, 12, 30), 'day'],
    ['5/1/2022 14:00', utc(2022, 5, 1, 14), 'minute'],
    ['05/01/2022 14:00', utc(2022, 1, 5, 14), 'minute'],
    ['13/01/2022 14:00', utc(2022, 1, 13, 14), 'minute'],
    ['1/13/2022 9:05', utc(2022, 1, 13, 9, 5), 'minute'],
    ['03.02.20 14:05', utc(2020, 2, 3, 14, 5), 'minute'],
  ] as const)('%s', (text, ms, precision) => {
    expect(parseCsvWallTime(text)).toMatchObject({ wallMs: ms, precision });
  });

  it.each(['2021-02-30 10:00:00', '2021-13-01', 'yesterday', '25:00', '2021-01-01 24:00:00'])(
    '%j is not a date',
    (text) => {
      expect(parseCsvWallTime(text)).toBeUndefined();
    },
  );
});

describe('parseCsvZone', () => {
  it.each([
    ['UTC', 0],
    ['UTC+0', 0],
    ['UTCnull', 0],
    ['UTC+2', 120],
    ['UTC-6', -360],
    ['UTC--6', -360],
    ['UTC+5:30', 330],
    ['+05:30', 330],
  ] as const)('%s', (text, minutes) => {
    expect(parseCsvZone(text)).toMatchObject({ kind: 'offset', minutes });
  });
  it('IANA names are kept and unknown ones refused', () => {
    expect(parseCsvZone('Europe/Paris')).toEqual({ kind: 'iana', name: 'Europe/Paris' });
    expect(parseCsvZone('Mars/Olympus')).toBeUndefined();
    expect(parseCsvZone('UTC+25')).toBeUndefined();
  });
});

describe('operation labels by meaning', () => {
  it.each([
    ['Savings Interest', 'earn_reward'],
    ['Simple Earn Flexible Interest', 'earn_reward'],
    ['simple earn flexible interest', 'earn_reward'],
    ['POS savings purchase', 'earn_subscription'],
    ['Simple Earn Locked Subscription', 'earn_subscription'],
    ['Small Assets Exchange BNB', 'dust'],
    ['Small assets exchange BNB', 'dust'],
    ['Transfer Between Main Account and Sub-Account', 'internal_transfer'],
    ['Transfer Between Something New', 'internal_transfer'],
    ['Launchpool Airdrop - System Distribution', 'distribution'],
    ['Withdraw', 'withdrawal'],
  ] as const)('%s → %s', (label, category) => {
    expect(csvOperationMeaning(label)?.category).toBe(category);
  });
  it('an unknown label has no meaning (it is quarantined, not guessed)', () => {
    expect(csvOperationMeaning('Brand New Binance Feature')).toBeUndefined();
  });
});

describe('header detection', () => {
  it('every variant is reachable from its own header and never from another kind', () => {
    // The 2019 withdrawal header: detected by its file name, ambiguous without one.
    const withdrawal2019 = [
      'Date(UTC)',
      'Coin',
      'Amount',
      'TransactionFee',
      'Address',
      'TXID',
      'SourceAddress',
      'PaymentID',
      'Status',
    ];
    expect(new Set(CSV_FORMATS.map((f) => f.variant)).size).toBe(CSV_FORMATS.length);
    expect(
      detectCsvFormat(
        ['Date(UTC)', 'Coin', 'Network', 'Amount', 'Fee', 'Address', 'TXID', 'Status'],
        'x.csv',
      ),
    ).toMatchObject({ kind: 'crypto_withdrawal' });
    expect(
      detectCsvFormat(['Date(UTC+0)', 'Coin', 'Network', 'Amount', 'Address', 'TXID', 'Status'], 'x.csv'),
    ).toMatchObject({ kind: 'crypto_deposit' });
    expect(detectCsvFormat(withdrawal2019, 'Binance-Withdraw.csv')).toMatchObject({
      kind: 'crypto_withdrawal',
    });
    expect(detectCsvFormat(withdrawal2019, 'x.csv')).toHaveProperty('ambiguous');
    expect(detectCsvFormat(['Date', 'Coin', 'Amount'], 'x.csv')).toBeUndefined();
  });
});
