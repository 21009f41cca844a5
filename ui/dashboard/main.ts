import { mount } from 'svelte';
import '../src/lib/base.css';
import './dashboard.css';
import Dashboard from './Dashboard.svelte';

export default mount(Dashboard, { target: document.getElementById('app')! });
