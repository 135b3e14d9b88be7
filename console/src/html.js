// htm bound to preact: html`<div>${text}</div>` builds elements; interpolated values are always
// text or attributes, never parsed as markup.
import htm from 'htm';
import {h} from 'preact';

export const html = htm.bind(h);
