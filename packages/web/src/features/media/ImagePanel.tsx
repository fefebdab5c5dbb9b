import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../common/NotFound';
import { fetchValue, type ImagesValue, type ImageValue, type MediaKey, type RunRef } from './media-api';
import { StepSlider } from './StepSlider';

/** One image key: the image at the chosen step (the last by default), moved through with a step slider. */
export function ImagePanel({ runRef, media, title }: { runRef: RunRef; media: MediaKey; title?: string | undefined }) {
  const [index, setIndex] = useState(media.steps.length - 1);
  const step = media.steps[Math.min(index, media.steps.length - 1)] ?? 0;
  const q = useQuery({
    queryKey: ['media-value', runRef.entity, runRef.project, runRef.run, media.key, step],
    queryFn: ({ signal }) => fetchValue(runRef, media.key, step, signal),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
  const value = q.data?.value as ImageValue | ImagesValue | undefined;
  const images = !value ? [] : value._type === 'image-file'
    ? [{ src: value.src, caption: value.caption }]
    : (value.srcs ?? []).map((src, i) => ({ src, caption: value.captions?.[i] }));
  return (
    <figure className="panel media-panel" data-testid="image-panel" data-key={media.key}>
      <h4 title={title ?? media.key}>{title ?? media.key}</h4>
      {q.error ? <ErrorNote error={q.error} /> : (
        <div className="media-images">
          {images.map((im, i) => im.src && (
            <div key={i}>
              <img src={im.src} alt={im.caption ?? `${media.key} at step ${q.data?.step}`} data-testid="media-image" />
              {im.caption && <figcaption>{im.caption}</figcaption>}
            </div>
          ))}
        </div>
      )}
      <StepSlider label={media.key} steps={media.steps} index={Math.min(index, media.steps.length - 1)} onChange={setIndex} />
    </figure>
  );
}
