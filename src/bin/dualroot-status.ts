#!/usr/bin/env node
import { start } from '../cli/run.js';
import { main, statusParser } from '../cli/status.js';

start('dualroot-status', main, statusParser);
