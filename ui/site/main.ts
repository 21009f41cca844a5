import { mount } from 'svelte';
import '../src/lib/base.css';
import Site from './Site.svelte';

export default mount(Site, { target: document.getElementById('app')! });
