#!/usr/bin/env node
import { main } from '../cli/esp.js';
import { start } from '../cli/run.js';

start('dualroot-esp', main);
