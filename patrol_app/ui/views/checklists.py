"""Admin: checklists -- new versions with questions in German and English."""

from __future__ import annotations

import flet as ft

import patrol_wire as wire
from patrol_app.core.office import Office

from .online import OnlineView


class ChecklistsView(OnlineView):
    """Each checklist's latest version; a new version adds a yes/no question. Reports keep the
    version they were filled with."""

    title_key = "checklists_title"

    def fetch(self, office: Office) -> list[wire.Checklist]:
        return office.checklists()

    def render(self, lists: list[wire.Checklist]) -> list[ft.Control]:
        t = self.ctx.t
        out: list[ft.Control] = []
        for c in lists:
            label = (lambda f: f.label_de) if t.lang == "de" else (lambda f: f.label_en)
            out.append(ft.Card(ft.Container(ft.Column([
                ft.Text(f"{t('t_' + c.place_type.value)} · {t('version', n=c.version)}",
                        weight=ft.FontWeight.BOLD),
                *[ft.Text(f"• {label(f)}", size=13) for f in c.fields],
                ft.OutlinedButton(t("add_question"), icon=ft.Icons.ADD, height=48,
                                  on_click=lambda e, c=c: self._add(c)),
            ], spacing=4), padding=12)))
        return out or [ft.Text(t("no_history"))]

    def _add(self, c: wire.Checklist) -> None:
        t = self.ctx.t
        de = ft.TextField(label=t("question_de"))
        en = ft.TextField(label=t("question_en"))

        async def ok(_):
            if not (de.value or "").strip():
                de.error = t("text_required")
                self.ctx.update()
                return
            self.ctx.pop_dialog()
            key = f"q{c.version + 1}_{len(c.fields) + 1}"
            field = wire.ChecklistField(key, wire.FieldKind.YES_NO, de.value.strip()[:200],
                                        ((en.value or "").strip() or de.value.strip())[:200])
            new = wire.replace(c, version=c.version + 1, fields=[*c.fields, field])
            if await self.call(lambda o: o.new_checklist_version(new), done_key="saved_ok"):
                await self.reload()

        self.ctx.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(t("add_question")), content=ft.Column([de, en], tight=True),
            actions=[ft.TextButton(t("cancel"), on_click=lambda e: self.ctx.pop_dialog()),
                     ft.FilledButton(t("save"), on_click=ok)]))
