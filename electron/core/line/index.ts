/**
 * The station on the line (electron/core/line): what puts the workflow
 * (electron/core/station) to work on real ports. A session (issuer, policy from
 * settings, ledger recorder, intent guard), opening devices, serving a port
 * device after device, auto mode across ports, and the demo.
 */
export { assertNoOpenIntents, startStationSession, stationHalt, type DeviceRun, type SessionSources, type StationHalt, type StationSession } from './station-session';
export { serveLine, type HeadReport, type ServeLineOptions, type ServeLineResult } from './serve-line';
export { serveStation, type ServeStationOptions, type ServeStationResult } from './serve-station';
export { openStationSession, type OpenedStationSession } from './open-session';
export { CONNECT_TIMEOUT_MS, STATION_DEVICE_OPTIONS, openDevice, openDeviceWithDriver, type OpenDeviceOptions, type OpenedDevice } from './open-device';
export { serveDevices, type ServeOptions } from './serve-port';
export { defaultStationId } from './station-id';
export { stationLedger, type StationLedger, type StationLedgerOptions } from './station-ledger';
export { SettingsStore, loadStationSettings } from './station-settings';
