// dialog({ title, body, actions }) opens a modal <dialog>: the browser traps
// focus in it and Escape closes it. Resolves with the value of the button
// pressed ('cancel' on Escape). confirmDialog is the yes/no case.
import { h, id as newId } from '../app/h.js';
import { t } from '../app/i18n.js';

export function dialog({ title, body, actions = [{ value: 'ok', label: t('app.close'), primary: true }] }) {
  return new Promise((resolve) => {
    const titleId = newId('dlg');
    const opener = document.activeElement;
    const dlg = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      body instanceof Node ? body : h('p', body),
      h(
        'div',
        { class: 'dialog-actions' },
        actions.map((a) =>
          h('button', { type: 'button', class: `btn ${a.primary ? 'btn-primary' : ''} ${a.danger ? 'btn-danger' : ''}`, value: a.value, onclick: () => dlg.close(a.value) }, a.label),
        ),
      ),
    );
    dlg.addEventListener('close', () => {
      dlg.remove();
      opener?.focus?.();
      resolve(dlg.returnValue || 'cancel');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

export async function confirmDialog({ title, body, confirm, danger = false }) {
  const v = await dialog({
    title,
    body,
    actions: [
      { value: 'cancel', label: t('app.cancel') },
      { value: 'yes', label: confirm, primary: !danger, danger },
    ],
  });
  return v === 'yes';
}
