"""Completion page: thanks, and the respondent's own profile."""

import streamlit as st

from survey import cache, flow, ui
from survey.store import save_contact

context = cache.app_context()
instrument = context.instrument
respondent = st.session_state["route"].respondent
profile = flow.profile(context.engine, context.questionnaire, respondent)
feedback = instrument.feedback

st.title("Thank you!")
st.write("Your answers are saved. Here is a short profile of your organisation.")

stage_text = feedback.stages.get(profile.stage) if profile.stage is not None else None
if stage_text is not None:
    st.subheader(f"Your estimated stage – {stage_text.title}")
    reason = flow.stage_reason(profile)
    if reason is not None:
        st.write(reason)
    st.markdown("**What this stage often looks like**")
    st.markdown("\n".join(f"- {line}" for line in stage_text.looks_like))
elif profile.stage_status == "unclassified":
    st.subheader("Your estimated stage – not enough answers to tell")
    st.write(
        "Some capabilities could not be scored because too few of their statements were "
        "answered (or were answered “don't know”), so we cannot place your organisation at a "
        "stage. The scores that could be computed are shown below."
    )
elif profile.stage_status == "non_cumulative":
    st.subheader("Your estimated stage – an unusual profile")
    st.write(
        "Your answers show capabilities that firms usually build late, without some that "
        "they usually build first. The stage model does not place such a profile at one "
        "stage, and that is a finding in itself: it is one of the things this study tests."
    )
if profile.next_steps:
    st.markdown("**Capabilities your answers do not show yet – the next ones to build**")
    st.markdown(
        "\n".join(
            f"- **{step.label}**" + (f": {step.advice}" if step.advice else "")
            for step in profile.next_steps
        )
    )
elif stage_text is not None and stage_text.next_steps:
    st.markdown("**Next steps that help firms move on**")
    st.markdown("\n".join(f"- {line}" for line in stage_text.next_steps))

if len(profile.levels):
    st.subheader("Your capability levels")
    comparison = cache.comparison_for(context)
    ui.level_chart(
        profile.levels.dropna().to_dict(),
        comparison,
        scale=(instrument.scale.min, instrument.scale.max),
    )
    caption = f"Scores from {instrument.scale.min} (low) to {instrument.scale.max} (high)."
    if comparison is None:
        caption += " A comparison with other firms appears once enough firms have taken part."
    elif comparison.includes_demo:
        caption += " The comparison includes simulated demonstration responses."
    st.caption(caption)

quadrant_text = feedback.quadrants.get(profile.quadrant) if profile.quadrant else None
if profile.quadrant == "mixed":
    st.subheader("Your social media strategy – between strategies")
    st.write(
        "Your answers sit on the line between a centralised and a decentralised way of "
        "creating content, or between reaching new contacts and deepening existing "
        "relationships. Firms usually lean clearly one way on each."
    )
if quadrant_text is not None:
    st.subheader(f"Your social media strategy – {quadrant_text.title}")
    st.write(quadrant_text.summary)
    if quadrant_text.strengths:
        st.markdown("**Strengths**")
        st.markdown("\n".join(f"- {line}" for line in quadrant_text.strengths))
    if quadrant_text.watch_out:
        st.markdown("**Watch out for**")
        st.markdown("\n".join(f"- {line}" for line in quadrant_text.watch_out))

st.subheader("Come back to this page")
ui.resume_link(
    st.query_params.get(flow.TOKEN_PARAM, ""),
    intro="Keep this link to see your profile again later.",
)

st.subheader("Hear about the findings")
if st.session_state.get("contact_saved"):
    st.success("Thank you – we will send you a summary of the study's findings.")
else:
    st.write(
        "Leave an e-mail address to receive a summary of the results. It is stored apart "
        "from your answers and never linked to them."
    )
    with st.form("contact", clear_on_submit=True, enter_to_submit=False):
        email = st.text_input("E-mail address (optional)")
        sent = st.form_submit_button("Send me the findings")
    if sent:
        try:
            save_contact(context.engine, instrument_id=instrument.id, email=email)
        except ValueError:
            st.error("That does not look like an e-mail address. Please check it.")
        else:
            st.session_state["contact_saved"] = True
            st.rerun()

ui.withdraw_box(context.engine, respondent)
ui.page_top(f"Your results – {instrument.title}", visit=f"done/{respondent.id}")
