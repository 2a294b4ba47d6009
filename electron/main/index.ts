/**
 * Electron main process: a thin shell around the station service.
 * All station logic lives in electron/core (pure Node); this file only owns
 * the window, the IPC channels and the app lifecycle.
 */
import { app } from 'electron';
import { bootstrap } from './app.main';

bootstrap(app);
