#!/usr/bin/env node
import { espParser, main } from '../cli/esp.js';
import { start } from '../cli/run.js';

start('dualroot-esp', main, espParser);
