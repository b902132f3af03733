/**
 * Guided capture: browser (Playwright + CDP) and proxy (mockttp) capture feeding one redacting HAR sink,
 * guides, autopilots, and the capture CA.
 */
export { createHarSink } from './sink.js';
export type { HarSink, HarSinkOptions, CaptureSummary, CaptureSource } from './sink.js';
export { EntryRedactor } from './redact-entry.js';
export { RelationTracker } from './relations.js';
export type { SeenSecret } from './relations.js';
export { redactJwt } from './jwt.js';
export { compilePiiRules, loadPiiRulesFile, DEFAULT_PII_RULES } from './pii.js';
export type { PiiRule, PiiMatcher } from './pii.js';
export { isSecretFieldName, isSecretHeaderName, secretShape } from './secret-rules.js';
export { runBrowserCapture } from './browser.js';
export type { BrowserCaptureOptions, BrowserCaptureResult } from './browser.js';
export { findBrowser, CHROMIUM_FLAGS } from './find-browser.js';
export { loadGuide, parseGuide, defaultGuide, guidePath, stepUrl, SHIPPED_GUIDES } from './guide.js';
export type { Guide, GuideStep } from './guide.js';
export { GuideRunner } from './guide-runner.js';
export type { StepState } from './guide-runner.js';
export { hostFilter, parseHostList, siteOf } from './hosts.js';
export type { HostFilter } from './hosts.js';
export { loadAutopilotScript, sandboxCredentials, totp } from './autopilot.js';
export type { Autopilot, AutopilotAction, SandboxLogin } from './autopilot.js';
export { startProxyCapture } from './proxy.js';
export type { ProxyCapture, ProxyCaptureOptions } from './proxy.js';
export { clientAllowList, lanAddresses, LOOPBACK_CLIENTS, PRIVATE_CLIENTS } from './client-allow.js';
export type { ClientAllowList } from './client-allow.js';
export { ensureCa, captureConfigDir, caInstructions } from './ca.js';
export type { CaptureCa } from './ca.js';
export { CdpRecorder } from './cdp-recorder.js';
export { profileCookies, type ProfileCookie } from './profile-cookies.js';
