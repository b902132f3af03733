export * from './binance/index.js';
