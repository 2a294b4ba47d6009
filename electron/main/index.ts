/**
 * Electron main process: a thin shell around the station service.
 * All station logic lives in electron/core (pure Node); this file only owns
 * the window, the IPC channels and the app lifecycle.
 */
import { app } from 'electron';
import { tuneTieringForLine } from '../core/station/tiering';
import { bootstrap } from './app.main';

tuneTieringForLine(); // the app is a station serving device after device
bootstrap(app);
