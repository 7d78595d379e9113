#!/usr/bin/env node
import { start } from '../cli/run.js';
import { main, watchParser } from '../cli/watch.js';

start('dualroot-watch', main, watchParser);
