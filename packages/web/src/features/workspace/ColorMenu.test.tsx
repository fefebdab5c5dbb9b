import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ColorMenu } from './ColorMenu';

afterEach(cleanup);

describe('ColorMenu', () => {
  it('opens from the keyboard, moves with arrows, picks with a click on the focused choice, and returns focus', () => {
    const onPick = vi.fn();
    render(<ColorMenu run="r1" color="#0072B2" onPick={onPick} />);
    const swatch = screen.getByRole('button', { name: 'Colour of r1: blue' });
    fireEvent.keyDown(swatch, { key: 'ArrowDown' });
    const menu = screen.getByRole('menu', { name: 'Colour of r1' });
    expect(screen.getByRole('menuitemradio', { name: 'blue' })).toHaveProperty('ariaChecked', 'true');
    fireEvent.keyDown(menu, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(screen.getByRole('menuitemradio', { name: 'orange' }));
    fireEvent.click(document.activeElement!);
    expect(onPick).toHaveBeenCalledWith('#E69F00');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(swatch);
  });

  it('closes on Escape without picking, and offers going back to the automatic colour', () => {
    const onPick = vi.fn();
    render(<ColorMenu run="r1" color="#E69F00" onPick={onPick} />);
    fireEvent.click(screen.getByRole('button', { name: /Colour of r1/ }));
    fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Colour of r1/ }));
    fireEvent.click(screen.getByRole('menuitemradio', { name: 'Automatic colour' }));
    expect(onPick).toHaveBeenCalledWith(null);
  });
});
