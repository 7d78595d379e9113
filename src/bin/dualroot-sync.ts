#!/usr/bin/env node
import { start } from '../cli/run.js';
import { main, syncParser } from '../cli/sync.js';

start('dualroot-sync', main, syncParser);
