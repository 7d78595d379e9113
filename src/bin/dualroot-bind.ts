#!/usr/bin/env node
import { main } from '../cli/bind.js';
import { start } from '../cli/run.js';

start('dualroot-bind', main);
